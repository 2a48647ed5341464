"""The sift: panel assignments, assessors' scores, agreed scores, notes and identity reveals."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recruit.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from recruit.models.user import User

SCORE_RANGE_SQL = "score BETWEEN 0 AND 4"


class PanelAssignment(Base):
    """A panel member who assesses one vacancy's applications from the sift stage on."""

    __tablename__ = "panel_assignments"

    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Score(Base):
    """One assessor's score and comment for one criterion of one application."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("application_id", "criterion_id", "assessor_id"),
        CheckConstraint(SCORE_RANGE_SQL, name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Set on every row of the assessor's set at once; a submitted set is final.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assessor: Mapped[User] = relationship()


class AgreedScore(Base):
    """The moderated score the lead recruiter records for one criterion of one application."""

    __tablename__ = "agreed_scores"
    __table_args__ = (
        UniqueConstraint("application_id", "criterion_id"),
        CheckConstraint(SCORE_RANGE_SQL, name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(1000), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recorded_by: Mapped[User | None] = relationship()


class ApplicationNote(Base):
    """An internal note on an application: recruiters only, never shown to the candidate."""

    __tablename__ = "application_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()


class IdentityReveal(Base):
    """A recorded decision to show a candidate's identity during an anonymised sift."""

    __tablename__ = "identity_reveals"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    revealed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(1000))
    revealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    revealed_by: Mapped[User | None] = relationship()
