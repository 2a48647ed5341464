"""Equal-opportunities monitoring: answers under a keyed pseudonym, tallies and report jobs.

Nothing here has a foreign key to an application or a user, and no model has a relationship to
these tables: a recruiter-facing query has nothing to follow. An answer set is found only by
its pseudonym, which only `recruit.monitoring.pseudonym` can compute (with MONITORING_KEY).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recruit.models.base import Base, UTCDateTime, utcnow
from recruit.models.export import BuiltFileJob


class MonitoringResponse(Base):
    """One application's monitoring answers: {question slug: option slug}, given once."""

    __tablename__ = "monitoring_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    # HMAC-SHA256 of the application id under MONITORING_KEY, in hex; unique, so a double
    # submit cannot store two answer sets for one application.
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MonitoringTally(Base):
    """Anonymous counts kept when the applications behind answers are purged."""

    __tablename__ = "monitoring_tallies"
    __table_args__ = (UniqueConstraint("vacancy_id", "stage", "question", "answer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(String(40))
    answer: Mapped[str] = mapped_column(String(60))
    count: Mapped[int] = mapped_column(Integer, default=0)


class MonitoringReportJob(BuiltFileJob, Base):
    """A CSV of the equality report (one vacancy, or every vacancy), built by a worker.

    Like export jobs, a `queued` row is its own outbox: published after the commit that wrote
    it. The file holds suppressed aggregate counts only, never a person.
    """

    __tablename__ = "monitoring_report_jobs"

    # None: every vacancy.
    vacancy_id: Mapped[int | None] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), index=True
    )
