"""Reminding candidates whose draft application is still unsubmitted near the closing time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    User,
    Vacancy,
    VacancyStatus,
    db_now,
    utcnow,
)
from recruit.notifications import catalog

REMIND_BEFORE = timedelta(hours=24)


def remind_drafts(window: timedelta = REMIND_BEFORE) -> list[int]:
    """Email each candidate whose draft's vacancy closes within `window`; return the draft ids.

    One UPDATE marks the drafts as reminded and decides which ones this run owns, so two
    overlapping runs cannot remind anybody twice, and the emails commit with the mark.
    """
    closing_soon = (
        select(Vacancy.id)
        .where(
            Vacancy.status == VacancyStatus.PUBLISHED,
            Vacancy.closes_at > db_now(),
            Vacancy.closes_at <= utcnow() + window,
        )
        .scalar_subquery()
    )
    active_candidates = select(User.id).where(User.is_disabled.is_(False)).scalar_subquery()
    result = db.session.execute(
        update(Application)
        .where(
            Application.status == ApplicationStatus.DRAFT,
            Application.reminded_at.is_(None),
            Application.vacancy_id.in_(closing_soon),
            Application.candidate_id.in_(active_candidates),
        )
        .values(reminded_at=db_now())
        .returning(Application.id)
        .execution_options(synchronize_session=False)
    )
    reminded = sorted(result.scalars())
    for application in _load(reminded):
        _send_reminder(application)
    return reminded


def _load(application_ids: list[int]) -> list[Application]:
    if not application_ids:
        return []
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.id.in_(application_ids))
            .options(joinedload(Application.vacancy), joinedload(Application.candidate))
            .order_by(Application.id)
        )
    )


def _send_reminder(application: Application) -> None:
    catalog.draft_reminder(application)
