"""Closing vacancies whose closing time has passed, by the database clock."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from recruit.extensions import db
from recruit.models import Vacancy, VacancyStatus
from recruit.services.closing import close_due_vacancies
from tests.factories import Factory
from worker.celery_app import celery_init_app
from worker.tasks import close_due


def status_of(app: Flask, vacancy_id: int) -> tuple[VacancyStatus, bool]:
    """The vacancy's status and whether it has a closing timestamp."""
    with app.app_context():
        vacancy = db.session.get(Vacancy, vacancy_id)
        assert vacancy is not None
        return vacancy.status, vacancy.closed_at is not None


def test_only_published_vacancies_past_their_closing_time_close(app: Flask, make: Factory) -> None:
    due = make.vacancy(closes_in=timedelta(minutes=-1))
    open_ = make.vacancy(closes_in=timedelta(days=3))
    draft = make.vacancy(status=VacancyStatus.DRAFT, closes_in=timedelta(days=-2))
    with app.app_context():
        assert close_due_vacancies() == [due.id]
        db.session.rollback()  # the service does not commit: nothing is kept
    assert status_of(app, due.id) == (VacancyStatus.PUBLISHED, False)
    assert status_of(app, open_.id) == (VacancyStatus.PUBLISHED, False)
    assert status_of(app, draft.id) == (VacancyStatus.DRAFT, False)


def test_the_task_closes_and_commits_once(app: Flask, make: Factory) -> None:
    celery_init_app(app)
    due = make.vacancy(closes_in=timedelta(seconds=-5))
    make.vacancy(closes_in=timedelta(days=3))
    assert close_due() == 1
    assert status_of(app, due.id) == (VacancyStatus.CLOSED, True)
    assert close_due() == 0
