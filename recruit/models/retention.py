"""What a purge leaves behind: anonymous outcome counts per vacancy, and a receipt per purge."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recruit.models.application import ApplicationStatus
from recruit.models.base import Base, UTCDateTime, text_enum, utcnow


class OutcomeTally(Base):
    """How many purged applications on a vacancy ended in each status: a count, nobody's data.

    The dashboard adds these to the live applications, so its counts stay right after a purge.
    """

    __tablename__ = "outcome_tallies"
    __table_args__ = (UniqueConstraint("vacancy_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ApplicationStatus] = mapped_column(text_enum(ApplicationStatus))
    count: Mapped[int] = mapped_column(Integer, default=0)


class PurgeTrigger(enum.StrEnum):
    """What started a purge."""

    SCHEDULED = "scheduled"  # the worker's hourly job
    COMMAND = "command"  # `flask --app recruit retention run`


class PurgeReceipt(Base):
    """The record that one vacancy's expired applications were deleted: what, when and why.

    Counts and the vacancy's reference and title only; never a name, email or any content. The
    vacancy id is a plain integer, not a foreign key, so the receipt outlives the vacancy.
    """

    __tablename__ = "purge_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(Integer, index=True)
    vacancy_reference: Mapped[str] = mapped_column(String(20))
    vacancy_title: Mapped[str] = mapped_column(String(200))
    # Rows and files removed, by kind: {"applications": 3, "cv_files": 2, "evidence": 6, ...}.
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # The purged applications' final statuses: {"unsuccessful": 2, "withdrawn": 1}.
    outcomes: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(String(300))
    trigger: Mapped[PurgeTrigger] = mapped_column(text_enum(PurgeTrigger))
    run_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
