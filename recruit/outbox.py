"""Recording background work in the caller's transaction, and claiming it in a worker.

Services call `enqueue_email` inside the view's or task's transaction. The row is handed to
Celery by `recruit.dispatch` only after that transaction commits; a beat task sweeps rows
that were never handed over (for example because the broker was unreachable).
"""

from __future__ import annotations

from typing import Any

from recruit.extensions import db
from recruit.models import OutboxMessage, OutboxStatus

DELIVER_TASK = "recruit.outbox.deliver"
SWEEP_TASK = "recruit.outbox.sweep"

EMAIL_TEMPLATES = frozenset(
    {
        "verify_email",
        "account_exists",
        "password_reset",
        "password_changed",
        "recruiter_invite",
        "application_received",
        "new_application",
        "status_changed",
    }
)


def enqueue_email(template: str, recipient: str, **context: Any) -> OutboxMessage:
    """Record an email to send once the current transaction commits.

    `template` names `templates/email/<template>.txt` and `.html`; `context` must be JSON-safe
    and is what those templates see (plus `base_url`).
    """
    if template not in EMAIL_TEMPLATES:
        raise ValueError(f"unknown email template {template!r}")
    row = OutboxMessage(
        kind="email",
        template=template,
        recipient=recipient,
        payload=context,
        status=OutboxStatus.PENDING,
    )
    db.session.add(row)
    return row
