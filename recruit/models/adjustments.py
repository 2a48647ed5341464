"""Reasonable adjustments and the Disability Confident guaranteed-interview scheme.

Kept in their own tables, apart from the application's answers and from the monitoring
answers: only the vacancy's recruiters and admins read them (`recruit.services.access.
may_see_adjustments`); the sift panel, exports and emails never carry them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recruit.models.application import Application
from recruit.models.base import Base, UTCDateTime, utcnow
from recruit.models.user import User

ADJUSTMENT_CHARS = 2000
RESPONSE_CHARS = 1000
OVERRIDE_REASON_CHARS = 500


class AdjustmentRequest(Base):
    """A candidate's request for adjustments to the selection process, in their own words.

    `on_form` marks the one request typed on the application form: it stays editable while the
    application is a draft, and counts as made when the application is submitted.
    """

    __tablename__ = "adjustment_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    on_form: Mapped[bool] = mapped_column(default=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # What the recruiter tells the candidate, shown on the candidate's application page only.
    response: Mapped[str] = mapped_column(String(RESPONSE_CHARS), default="")

    application: Mapped[Application] = relationship()
    acknowledged_by: Mapped[User | None] = relationship()


class InterviewGuaranteeOptIn(Base):
    """The candidate asked to be considered under the guaranteed-interview scheme."""

    __tablename__ = "interview_guarantee_opt_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    opted_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GuaranteeOverride(Base):
    """A recruiter's recorded reason for rejecting a guaranteed-interview application."""

    __tablename__ = "guarantee_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(OVERRIDE_REASON_CHARS))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    decided_by: Mapped[User | None] = relationship()
