"""The audit trail: who did what to whose data, kept in the database (never personal content)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from recruit.models.base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """One audited action: an event name, the actor, and the ids it concerns.

    `detail` holds a short reason typed by staff (an override's reason, say) or a label; never
    an application's content. `subject_user_id` names the person the data is about, so the
    subject access pack can list what was done with it.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(60), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    subject_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Plain ids, not foreign keys: the trail outlives a purged application or vacancy.
    application_id: Mapped[int | None] = mapped_column(Integer, index=True)
    vacancy_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str] = mapped_column(String(1000), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
