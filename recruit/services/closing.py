"""Closing vacancies whose closing time has passed."""

from __future__ import annotations

from sqlalchemy import update

from recruit.extensions import db
from recruit.models import Vacancy, VacancyStatus, db_now


def close_due_vacancies() -> list[int]:
    """Close every published vacancy whose closing time has passed; return their ids.

    Uses the database clock in one UPDATE, so the web tier's "is it still open?" checks and
    this job agree on the moment of closing, and two overlapping runs cannot both close one.
    """
    result = db.session.execute(
        update(Vacancy)
        .where(Vacancy.status == VacancyStatus.PUBLISHED, Vacancy.closes_at <= db_now())
        .values(status=VacancyStatus.CLOSED, closed_at=db_now())
        .returning(Vacancy.id)
        .execution_options(synchronize_session="fetch")
    )
    return sorted(result.scalars())
