"""Closing vacancies whose closing time (and the receipt grace after it) has passed."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from recruit.extensions import db
from recruit.models import Vacancy, VacancyStatus
from recruit.receipt import CLOSING_GRACE
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
    due = make.vacancy(closes_in=-(CLOSING_GRACE + timedelta(seconds=5)))
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
    due = make.vacancy(closes_in=-(CLOSING_GRACE + timedelta(seconds=5)))
    make.vacancy(closes_in=timedelta(days=3))
    assert close_due() == 1
    assert status_of(app, due.id) == (VacancyStatus.CLOSED, True)
    assert close_due() == 0


def test_a_vacancy_just_past_its_closing_time_waits_for_requests_in_flight(
    app: Flask, make: Factory
) -> None:
    # Submits received before the closing time may still be deciding; the count must be final.
    just_closed = make.vacancy(closes_in=timedelta(seconds=-5))
    with app.app_context():
        assert close_due_vacancies() == []
        db.session.rollback()
    assert status_of(app, just_closed.id) == (VacancyStatus.PUBLISHED, False)
