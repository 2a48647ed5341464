"""Record audit events in the caller's transaction (services never commit)."""

from __future__ import annotations

from recruit.extensions import db
from recruit.models import AuditEvent, User


def record(
    event: str,
    actor: User | None,
    *,
    subject_user_id: int | None = None,
    application_id: int | None = None,
    vacancy_id: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Add one audit event to the session; the caller's commit keeps it with the action."""
    entry = AuditEvent(
        event=event,
        actor_id=actor.id if actor is not None else None,
        subject_user_id=subject_user_id,
        application_id=application_id,
        vacancy_id=vacancy_id,
        detail=detail[:1000],
    )
    db.session.add(entry)
    return entry
