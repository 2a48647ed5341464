"""The subject access pack: everything held about one person, as readable HTML and as JSON.

`REGISTRY` says, table by table, which section of `data.json` holds a table's rows and which
columns tie a row to the person: their user id, one of their application ids or one of their
access requests. `tests/test_access_pack_completeness.py` introspects the models and fails for
any column that refers to a user or an application and is not accounted for here, so a new
table is left out of the pack only by a decision written down below.

Three things are withheld, each for a reason given with it (`WITHHELD`): secrets (password and
token hashes, session keys and session contents), internal storage names, and the identity of
other people (the staff who scored, moderated or wrote notes). Their scores, comments and notes
are included; who wrote them is not.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Table, func, or_, select

from recruit.extensions import db
from recruit.models import Application, Base, MonitoringResponse, OutboxMessage, User, utcnow
from recruit.models.privacy import AccessRequest
from recruit.monitoring.pseudonym import pseudonym
from recruit.monitoring.questions import BY_SLUG, label_for
from recruit.notifications.catalog import EMAILS

USER: Final = "user"
APPLICATION: Final = "application"
ACCESS_REQUEST: Final = "access_request"


@dataclass(frozen=True)
class Section:
    """Where one table's rows go in the pack, and how a row is tied to the person."""

    name: str  # key in data.json
    title: str  # heading in summary.html
    # Column name -> USER, APPLICATION or ACCESS_REQUEST: a row belongs if any column holds one
    # of the person's ids of that kind.
    links: dict[str, str] = field(default_factory=dict)
    # Columns naming someone else (a member of staff): shown only when they name the person.
    others: tuple[str, ...] = ()
    # Columns never copied; their reasons are in WITHHELD.
    omit: tuple[str, ...] = ()
    # Rows found by something other than an id: "address" (emails) or "pseudonym" (monitoring).
    found_by: str = ""


REGISTRY: Final[dict[str, Section]] = {
    "users": Section("account", "Your account", {"id": USER}, omit=("password_hash",)),
    "applications": Section("applications", "Your applications", {"candidate_id": USER}),
    "criterion_evidence": Section(
        "evidence", "Evidence against each criterion", {"application_id": APPLICATION}
    ),
    "status_changes": Section(
        "status_history",
        "Status history of your applications",
        {"application_id": APPLICATION},
        others=("changed_by_id",),
    ),
    "stored_files": Section(
        "files",
        "Files you uploaded (copies are in the files folder)",
        {"owner_id": USER},
        omit=("storage_key",),
    ),
    "scores": Section(
        "scores",
        "Assessors' scores and comments on your applications",
        {"application_id": APPLICATION},
        others=("assessor_id",),
    ),
    "agreed_scores": Section(
        "agreed_scores",
        "Agreed (moderated) scores on your applications",
        {"application_id": APPLICATION},
        others=("recorded_by_id",),
    ),
    "application_notes": Section(
        "notes",
        "Recruiters' notes about your applications",
        {"application_id": APPLICATION},
        others=("author_id",),
    ),
    "identity_reveals": Section(
        "identity_reveals",
        "When and why your name was shown during an anonymised sift",
        {"application_id": APPLICATION},
        others=("revealed_by_id",),
    ),
    "adjustment_requests": Section(
        "adjustments",
        "Adjustments you asked for",
        {"application_id": APPLICATION},
        others=("acknowledged_by_id",),
    ),
    "interview_guarantee_opt_ins": Section(
        "guaranteed_interview",
        "Guaranteed-interview scheme opt-ins",
        {"application_id": APPLICATION},
    ),
    "guarantee_overrides": Section(
        "guaranteed_interview_decisions",
        "Recorded reasons for not inviting a guaranteed-interview application",
        {"application_id": APPLICATION},
        others=("decided_by_id",),
    ),
    "monitoring_responses": Section(
        "monitoring_answers",
        "Your equal-opportunities monitoring answers",
        omit=("pseudonym",),
        found_by="pseudonym",
    ),
    "outbox": Section("emails", "Emails we sent you", found_by="address"),
    "job_alerts": Section(
        "job_alerts",
        "Your job alerts (saved searches)",
        {"user_id": USER},
        omit=("unsubscribe_key",),
    ),
    "audit_events": Section(
        "security_events",
        "Security events and actions recorded about you",
        {"subject_user_id": USER, "actor_id": USER, "application_id": APPLICATION},
        others=("actor_id", "subject_user_id"),
    ),
    "web_sessions": Section(
        "sessions", "Your signed-in sessions", {"user_id": USER}, omit=("id_hash", "data")
    ),
    "account_tokens": Section(
        "emailed_links",
        "Links we emailed you (confirm, reset, invitation)",
        {"user_id": USER},
        omit=("token_hash",),
    ),
    "access_requests": Section(
        "access_requests",
        "Your requests for a copy of your data",
        {"user_id": USER},
        others=("requested_by_id",),
        omit=("file_name",),
    ),
    "access_pack_downloads": Section(
        "access_pack_downloads",
        "Downloads of your data packs",
        {"request_id": ACCESS_REQUEST},
        others=("user_id",),
    ),
    # Staff accounts' own records (a candidate has none).
    "vacancy_recruiters": Section(
        "staff_vacancies", "Vacancies you recruit for", {"user_id": USER}
    ),
    "panel_assignments": Section(
        "staff_panels", "Panels you sit on", {"user_id": USER}, others=("assigned_by_id",)
    ),
    "vacancies": Section(
        "staff_vacancies_created", "Vacancies you created", {"created_by_id": USER}
    ),
    "export_jobs": Section(
        "staff_exports",
        "Exports you asked for",
        {"requested_by_id": USER},
        omit=("storage_key",),
    ),
    "export_downloads": Section(
        "staff_export_downloads", "Exports you downloaded", {"user_id": USER}
    ),
    "api_tokens": Section(
        "staff_api_tokens", "Your API tokens", {"user_id": USER}, omit=("token_hash",)
    ),
}

# Tables that refer to a user or an application but stay out of the pack, and why; withheld
# columns are listed, with reasons, in WITHHELD.
EXCLUDED: Final[dict[str, str]] = {
    "api_idempotency_keys": (
        "replay records of a staff member's own API requests (a key, a digest and a vacancy's "
        "answer; an application's answer is never kept), deleted after 24 hours; every use "
        "of a token is in the audit trail, which is in the pack"
    ),
    "webhook_endpoints": (
        "other systems' addresses an admin registered for webhooks, nothing about the admin "
        "but who registered one, which the audit trail (in the pack) records too"
    ),
}

# Columns left out of every pack, and why (the pack says so too).
WITHHELD: Final[dict[str, str]] = {
    "users.password_hash": "a one-way hash of your password: it reveals nothing and is a secret",
    "web_sessions.id_hash": "the hash of a session cookie: a secret",
    "web_sessions.data": "a session's working data (form tokens), not information about you",
    "account_tokens.token_hash": "the hash of an emailed link's secret",
    "api_tokens.token_hash": "the hash of an API token's secret",
    "stored_files.storage_key": "the random name a file is stored under (the file is in the pack)",
    "export_jobs.storage_key": "the random name an export file is stored under",
    "monitoring_responses.pseudonym": "the keyed code that links answers to an application",
    "access_requests.file_name": "the name a pack is stored under",
    "job_alerts.unsubscribe_key": "the secret in a job alert's unsubscribe link",
    "other people": (
        "the staff who scored, moderated, wrote notes or changed a status are people too: "
        "their scores, comments and notes are included, their identities are not"
    ),
    "emails": "links in emails are removed: they carried one-time secrets",
}


def plain(value: Any) -> Any:
    """A column value as JSON: times as ISO 8601 UTC, enums by value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes | memoryview):
        return None
    return value


@dataclass
class Subject:
    """The person a pack is about and the ids that tie rows to them."""

    user: User
    ids: dict[str, set[int]]


def subject_of(user: User) -> Subject:
    """The person's own ids: account, applications and access requests."""
    apps = set(
        db.session.scalars(select(Application.id).where(Application.candidate_id == user.id))
    )
    requests = set(
        db.session.scalars(select(AccessRequest.id).where(AccessRequest.user_id == user.id))
    )
    return Subject(user, {USER: {user.id}, APPLICATION: apps, ACCESS_REQUEST: requests})


def table(name: str) -> Table:
    """The model table called `name`."""
    return Base.metadata.tables[name]


def row_dict(section: Section, tbl: Table, row: Any, subject: Subject) -> dict[str, Any]:
    """One row as JSON, without withheld columns, other people's ids blanked."""
    out: dict[str, Any] = {}
    for column in tbl.columns:
        if column.name in section.omit:
            continue
        value = row._mapping[column]
        if column.name in section.others and value is not None and value != subject.user.id:
            value = "a member of staff"
        out[column.name] = plain(value)
    return out


def linked_rows(name: str, section: Section, subject: Subject) -> list[dict[str, Any]]:
    """The rows of table `name` tied to the subject by the section's link columns."""
    tbl = table(name)
    conditions = [
        tbl.c[column].in_(sorted(subject.ids[kind]))
        for column, kind in section.links.items()
        if subject.ids[kind]
    ]
    if not conditions:
        return []
    order = list(tbl.primary_key.columns)
    rows = db.session.execute(select(tbl).where(or_(*conditions)).order_by(*order))
    return [row_dict(section, tbl, row, subject) for row in rows]


def email_rows(section: Section, subject: Subject) -> list[dict[str, Any]]:
    """Emails sent to the person's address, with their links removed."""
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(func.lower(OutboxMessage.recipient) == subject.user.email.lower())
        .order_by(OutboxMessage.id)
    )
    found = []
    for message in rows:
        context = scrubbed(message.payload or {})
        email = EMAILS.get(message.template)
        found.append(
            {
                "id": message.id,
                "email": message.template,
                "subject": subject_line(email.subject, context) if email else "",
                "to": message.recipient,
                "status": plain(message.status),
                "queued_at": plain(message.created_at),
                "sent_at": plain(message.sent_at),
                "content": context,
            }
        )
    return found


def scrubbed(payload: dict[str, Any]) -> dict[str, Any]:
    """An email's context without links or anything named like a secret."""
    return {
        key: value
        for key, value in payload.items()
        if not key.endswith("_url") and "token" not in key.lower()
    }


def subject_line(pattern: str, context: dict[str, Any]) -> str:
    """The subject the email had, filled as the worker fills it."""
    try:
        return " ".join(pattern.format_map(context).split())
    except (KeyError, IndexError, ValueError):
        return pattern


def monitoring_rows(section: Section, subject: Subject) -> list[dict[str, Any]]:
    """The person's monitoring answers, found through each application's keyed pseudonym."""
    by_code = {pseudonym(i): i for i in sorted(subject.ids[APPLICATION])}
    if not by_code:
        return []
    tbl = table("monitoring_responses")
    rows = db.session.execute(
        select(tbl).where(MonitoringResponse.pseudonym.in_(sorted(by_code))).order_by(tbl.c.id)
    )
    found = []
    for row in rows:
        item = row_dict(section, tbl, row, subject)
        item["application_id"] = by_code[row._mapping[tbl.c.pseudonym]]
        item["answers_in_words"] = in_words(item.get("answers") or {})
        found.append(item)
    return found


def in_words(answers: dict[str, str]) -> dict[str, str]:
    """Monitoring answers as the form asked them: question text to the option's label."""
    return {(BY_SLUG[q].text if q in BY_SLUG else q): label_for(q, a) for q, a in answers.items()}


FINDERS = {"address": email_rows, "pseudonym": monitoring_rows}


def sections_for(subject: Subject) -> Iterator[tuple[str, Section, list[dict[str, Any]]]]:
    """Each registered table's section and its rows about the subject, in registry order."""
    for name, section in REGISTRY.items():
        if name not in Base.metadata.tables:
            continue  # a table another part of the service has not created (yet)
        if section.found_by:
            rows = FINDERS[section.found_by](section, subject)
        else:
            rows = linked_rows(name, section, subject)
        yield name, section, rows


def gather(user: User) -> dict[str, Any]:
    """Everything held about `user`, as the JSON document of the pack."""
    subject = subject_of(user)
    data: dict[str, Any] = {
        "about": {
            "name": user.full_name,
            "email": user.email,
            "generated_at": utcnow().isoformat(),
            "withheld": WITHHELD,
        }
    }
    for _, section, rows in sections_for(subject):
        data.setdefault(section.name, []).extend(rows)
    return data


def to_json(data: dict[str, Any]) -> str:
    """The JSON text of the pack: readable, UTF-8, keys in a stable order."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)
