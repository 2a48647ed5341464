"""Closing vacancies whose closing time has passed, and telling their recruiters."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from recruit.deadlines import CLOSING_GRACE
from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, Vacancy, VacancyStatus, db_now
from recruit.notifications import catalog
from recruit.webhooks import events as webhook_events

# Drafts were never received, and a withdrawn application is not there to be sifted.
NOT_RECEIVED = (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)


def close_due_vacancies() -> list[int]:
    """Close every published vacancy whose applications are all decided; return their ids.

    A request received after the closing time, by the database clock, is refused at once. One
    received just before it may still be on its way to its decision (recruit.web.receipt), so the
    vacancy is marked closed, and its recruiters told the count, only CLOSING_GRACE later, when
    every such request has been decided: the count is then final. One UPDATE, so two
    overlapping runs cannot both close one; each recruiter is emailed in the same transaction.
    """
    decided_before = db.session.execute(select(db_now())).scalar_one() - CLOSING_GRACE
    result = db.session.execute(
        update(Vacancy)
        .where(Vacancy.status == VacancyStatus.PUBLISHED, Vacancy.closes_at <= decided_before)
        .values(status=VacancyStatus.CLOSED, closed_at=db_now())
        .returning(Vacancy.id)
        .execution_options(synchronize_session="fetch")
    )
    closed = sorted(result.scalars())
    notify_recruiters(closed)
    return closed


def received_counts(vacancy_ids: list[int]) -> dict[int, int]:
    """How many applications each vacancy received (submitted and not withdrawn)."""
    rows = db.session.execute(
        select(Application.vacancy_id, func.count(Application.id))
        .where(Application.vacancy_id.in_(vacancy_ids), Application.status.not_in(NOT_RECEIVED))
        .group_by(Application.vacancy_id)
    ).all()
    return {vacancy_id: int(count) for vacancy_id, count in rows}


def notify_recruiters(vacancy_ids: list[int]) -> int:
    """Email each recruiter of these closed vacancies the number received; return how many."""
    if not vacancy_ids:
        return 0
    counts = received_counts(vacancy_ids)
    vacancies = db.session.scalars(
        select(Vacancy)
        .where(Vacancy.id.in_(vacancy_ids))
        .options(selectinload(Vacancy.recruiters))
        .order_by(Vacancy.id)
    )
    sent = 0
    for vacancy in vacancies:
        count = counts.get(vacancy.id, 0)
        for recruiter in vacancy.recruiters:
            catalog.vacancy_closed(vacancy, recruiter, count)
            sent += 1
        webhook_events.vacancy_closed(vacancy)
    return sent
