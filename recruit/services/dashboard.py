"""The dashboard at a glance: open campaigns closing soonest, and what waits for review or scores.

Every figure is one grouped query over the viewer's own scope (`board.role_scope`), whatever the
number of applications: nothing here loads an application row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, select

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, Score, User, Vacancy, VacancyStatus
from recruit.services.board_scope import role_scope


@dataclass(frozen=True)
class Waiting:
    """One vacancy's applications waiting for someone: review (submitted, not yet under review)
    and the viewer's scores (under review, and the viewer has not submitted scores for it)."""

    review: int = 0
    your_scores: int = 0


def open_campaigns(vacancies: Iterable[Vacancy], now: datetime) -> list[Vacancy]:
    """Of the viewer's dashboard vacancies, those still taking applications, closing soonest
    first (no query: the dashboard has already read them)."""
    taking = [v for v in vacancies if v.status is VacancyStatus.PUBLISHED and v.closes_at > now]
    return sorted(taking, key=lambda v: (v.closes_at, v.id))


def waiting(viewer: User, vacancy_ids: Sequence[int]) -> dict[int, Waiting]:
    """Per vacancy, how many applications wait for review and for the viewer's scores."""
    if not vacancy_ids:
        return {}
    scored = exists().where(
        Score.application_id == Application.id,
        Score.assessor_id == viewer.id,
        Score.submitted_at.is_not(None),
    )
    review = Application.status == ApplicationStatus.SUBMITTED
    unscored = and_(Application.status == ApplicationStatus.UNDER_REVIEW, ~scored)
    rows = db.session.execute(
        select(
            Application.vacancy_id,
            func.sum(case((review, 1), else_=0)),
            func.sum(case((unscored, 1), else_=0)),
        )
        .where(Application.vacancy_id.in_(vacancy_ids), *role_scope(viewer))
        .group_by(Application.vacancy_id)
    )
    return {vid: Waiting(int(r or 0), int(s or 0)) for vid, r, s in rows}


def countdown(closes_at: datetime, now: datetime) -> str:
    """How long until a campaign closes, in words: 'closes in 3 days', 'closes in 40 minutes'."""
    seconds = (closes_at - now).total_seconds()
    if seconds <= 0:
        return "closing now"
    minutes, hours, days = int(seconds // 60), int(seconds // 3600), int(seconds // 86400)
    if days >= 1:
        return f"closes in {days} day{'' if days == 1 else 's'}"
    if hours >= 1:
        return f"closes in {hours} hour{'' if hours == 1 else 's'}"
    minutes = max(minutes, 1)
    return f"closes in {minutes} minute{'' if minutes == 1 else 's'}"
