"""Retention settings per vacancy (the period and legal hold), and the schedule admins read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select

from recruit.extensions import db
from recruit.models import Application, PurgeReceipt, User, Vacancy
from recruit.privacy.retention import KEPT_STATUSES, purge_due_at
from recruit.services.audit import record

MIN_MONTHS: Final = 1
MAX_MONTHS: Final = 120  # ten years: longer than any claim period a hold would not cover
HOLD_REASON_CHARS: Final = 500
RECEIPTS_SHOWN: Final = 200
# Characters nobody types into a reason: a NUL, say, which SQLite stores and PostgreSQL refuses.
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
# How a receipt's counts read on the page and the command line.
RECEIPT_LABELS: Final = {
    "applications": "Applications",
    "evidence": "Evidence answers",
    "status_changes": "Status changes",
    "scores": "Assessors' scores",
    "agreed_scores": "Agreed scores",
    "notes": "Internal notes",
    "identity_reveals": "Identity reveals",
    "cv_files": "CV files",
    "exports": "Exports",
}


class RetentionSettingsError(ValueError):
    """Settings the retention rules refuse; the message is fit to show the user."""


@dataclass(frozen=True)
class ScheduleRow:
    """One vacancy's line on the retention page."""

    vacancy: Vacancy
    due_at: datetime | None  # None until the vacancy closes
    waiting: int  # applications the purge deletes once due (all but appointed ones)


def schedule() -> list[ScheduleRow]:
    """Every vacancy with its retention period, next purge date and applications waiting."""
    vacancies = db.session.scalars(
        select(Vacancy).order_by(Vacancy.closes_at.desc(), Vacancy.id.desc())
    ).all()
    waiting = {
        vacancy_id: int(count)
        for vacancy_id, count in db.session.execute(
            select(Application.vacancy_id, func.count(Application.id))
            .where(Application.status.not_in(KEPT_STATUSES))
            .group_by(Application.vacancy_id)
        )
    }
    return [ScheduleRow(v, purge_due_at(v), waiting.get(v.id, 0)) for v in vacancies]


def receipts(limit: int = RECEIPTS_SHOWN) -> list[PurgeReceipt]:
    """The latest purge receipts, newest first."""
    query = select(PurgeReceipt).order_by(PurgeReceipt.run_at.desc(), PurgeReceipt.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def clean_reason(raw: str) -> str:
    """A hold reason as stored: whitespace runs made single spaces, control characters gone."""
    return " ".join(_CONTROL.sub(" ", raw).split())


def change_settings(
    vacancy: Vacancy, months: int, hold: bool, reason: str, actor: User
) -> list[str]:
    """Set the vacancy's retention period and legal hold; audit each change; return the events."""
    reason = clean_reason(reason)
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise RetentionSettingsError(
            f"Retention period must be between {MIN_MONTHS} and {MAX_MONTHS} months"
        )
    if hold and not reason:
        raise RetentionSettingsError("Enter the reason for the legal hold")
    if len(reason) > HOLD_REASON_CHARS:
        raise RetentionSettingsError(
            f"Reason for the legal hold must be {HOLD_REASON_CHARS} characters or fewer"
        )
    changes: list[tuple[str, str]] = []
    if months != vacancy.retention_months:
        changes.append(
            ("retention.period_changed", f"{vacancy.retention_months} to {months} months")
        )
    if hold and not vacancy.legal_hold:
        changes.append(("retention.hold_placed", reason))
    elif not hold and vacancy.legal_hold:
        changes.append(("retention.hold_lifted", f"Hold was: {vacancy.legal_hold_reason}"))
    elif hold and reason != vacancy.legal_hold_reason:
        changes.append(("retention.hold_reason_changed", reason))
    for event, detail in changes:
        record(event, actor, vacancy_id=vacancy.id, detail=detail)
    vacancy.retention_months = months
    vacancy.legal_hold = hold
    vacancy.legal_hold_reason = reason if hold else ""
    return [event for event, _ in changes]
