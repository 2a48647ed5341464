"""Sample outbox rows for every email template, for tests that render or send them."""

from __future__ import annotations

from typing import Any

from recruit.models import OutboxMessage

LINK = "http://recruit.test/some/link/tok3n"

PAYLOADS: dict[str, dict[str, Any]] = {
    "verify_email": {"full_name": "Amara Okafor", "verify_url": LINK, "hours": 48},
    "account_exists": {
        "full_name": "Amara Okafor",
        "login_url": "http://recruit.test/login",
        "reset_url": LINK,
    },
    "password_reset": {"full_name": "Amara Okafor", "reset_url": LINK, "minutes": 30},
    "password_changed": {"full_name": "Amara Okafor", "reset_url": LINK},
    "recruiter_invite": {
        "full_name": "Priya Shah",
        "invited_by": "Amara Okafor",
        "role": "admin",
        "accept_url": LINK,
        "days": 7,
    },
    "application_received": {
        "full_name": "Amara Okafor",
        "vacancy_title": "Director of Connectivity",
        "reference": "ME-0042",
        "closes_at_text": "5:00pm on Friday 12 December 2026 (GMT)",
        "application_url": LINK,
    },
    "new_application": {
        "full_name": "Priya Shah",
        "vacancy_title": "Director of Connectivity",
        "reference": "ME-0042",
        "application_url": LINK,
    },
    "status_changed": {
        "full_name": "Amara Okafor",
        "vacancy_title": "Director of Connectivity",
        "reference": "ME-0042",
        "status_label": "Shortlisted",
        "status": "shortlisted",
        "application_url": LINK,
    },
    "vacancy_closed": {
        "full_name": "Priya Shah",
        "vacancy_title": "Director of Connectivity",
        "reference": "ME-0042",
        "count": 3,
        "count_text": "3 applications",
        "closed_at_text": "5:00pm on Friday 12 December 2026 (GMT)",
        "applications_url": LINK,
    },
    "draft_reminder": {
        "full_name": "Amara Okafor",
        "vacancy_title": "Director of Connectivity",
        "reference": "ME-0042",
        "closes_at_text": "5:00pm on Friday 12 December 2026 (GMT)",
        "apply_url": LINK,
    },
    "unsuccessful_custom": {
        "full_name": "Amara Okafor",
        "subject": "Your application for Director of Connectivity",
        "body": "Thank you for applying. We will not be taking your application further.",
        "application_url": LINK,
    },
    "export_ready": {
        "full_name": "Priya Shah",
        "vacancy_title": "Director of Connectivity",
        "file_name": "ME-2026-0001-shortlist-pack.zip",
        "hours": 168,
        "export_url": LINK,
    },
    "adjustment_acknowledged": {
        "full_name": "Amara Okafor",
        "vacancy_title": "Director of Connectivity",
        "reference": "APP-000001",
        "requested_at_text": "10:30am on Monday 2 March 2026 (GMT)",
        "application_url": LINK,
    },
    "access_pack_ready": {
        "full_name": "Amara Okafor",
        "days": 7,
        "expires_at_text": "5:00pm on Monday 9 March 2026 (GMT)",
        "pack_url": LINK,
    },
    "job_alert": {
        "full_name": "Amara Okafor",
        "search": "Skills and sector Net zero",
        "vacancies": [
            {
                "title": "Director of Connectivity",
                "location": "Nottingham",
                "salary": "£110,000 to £125,000",
                "closes": "5:00pm on Friday 12 December 2026 (GMT)",
                "url": LINK,
            }
        ],
        "total": 1,
        "search_url": LINK,
        "unsubscribe_url": "http://recruit.test/alerts/unsubscribe?token=tok3n",
        "alerts_url": LINK,
    },
    "account_erased": {
        "full_name": "Amara Okafor",
        "kept": ["Your application for Director of Connectivity, because you were appointed"],
        "dpo_email": "dpo@midlandsengine.example",
    },
}


def row_for(template: str, outbox_id: int = 7, **payload: Any) -> OutboxMessage:
    """An unsaved outbox row with the sample payload for `template`, plus overrides."""
    data = {**PAYLOADS[template], **payload}
    return OutboxMessage(
        id=outbox_id, template=template, recipient="amara@example.org", payload=data
    )
