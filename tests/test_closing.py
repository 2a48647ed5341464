"""Closing vacancies whose closing time (and the receipt grace after it) has passed."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient

from recruit.deadlines import CLOSING_GRACE
from recruit.extensions import db
from recruit.formatting import uk_datetime
from recruit.models import Vacancy, VacancyStatus
from recruit.services.closing import close_due_vacancies
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import log_in
from tests.support.portal import post_apply
from tests.support.rows import only_application, outbox
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


def test_closing_early_shows_when_it_really_closed(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    assert post_apply(client, vacancy, "draft", {"statement": "A start."}).status_code == 302
    draft = only_application(app)
    staff = app.test_client()
    log_in(staff, Factory(app).admin())
    page = f"/admin/vacancies/{vacancy.id}"
    assert submit(staff, page, action=f"{page}/close").status_code == 302
    with app.app_context():
        closed = db.session.get(Vacancy, vacancy.id)
        assert closed is not None and closed.closed_at is not None
        actual, advertised = uk_datetime(closed.closed_at), uk_datetime(closed.closes_at)
    assert actual != advertised  # the advertised closing time is two weeks away

    advert = client.get(f"/vacancies/{vacancy.reference}").get_data(as_text=True)
    assert f"It closed early, at {actual}." in advert
    closed_page = client.get(f"/vacancies/{vacancy.reference}/apply").get_data(as_text=True)
    assert f"It closed early, at {actual}." in closed_page
    token = csrf_token_from(client.get(f"/applications/{draft.id}/withdraw").get_data(as_text=True))
    refused = client.post(
        f"/vacancies/{vacancy.reference}/apply",
        data={"csrf_token": token, "action": "draft", "statement": "Too late."},
    )
    assert refused.status_code == 400
    assert f"This vacancy closed at {actual}." in refused.get_data(as_text=True)
    for text in (advert, closed_page, refused.get_data(as_text=True)):
        assert advertised not in text
    told = [row.payload for row in outbox(app, "vacancy_closed")]
    assert told and all(p["closed_at_text"] == actual for p in told)
    mine = client.get(f"/applications/{draft.id}").get_data(as_text=True)
    assert "Vacancy closed</dt>" in mine and actual in mine and advertised not in mine
    staff_page = staff.get(page).get_data(as_text=True)
    assert "Closed early; advertised closing time" in staff_page and actual in staff_page
    assert "(closed early)" in staff.get("/admin/vacancies").get_data(as_text=True)


def test_closing_on_time_still_shows_the_closing_time(app: Flask, make: Factory) -> None:
    celery_init_app(app)
    due = make.vacancy(closes_in=-(CLOSING_GRACE + timedelta(seconds=5)))
    assert close_due() == 1
    with app.app_context():
        closed = db.session.get(Vacancy, due.id)
        assert closed is not None and closed.closed_at is not None
        # Marked closed a little after the closing time: applications ended at the closing time.
        assert closed.closed_at > closed.closes_at
        assert closed.applications_closed_at == closed.closes_at and not closed.closed_early
        shown = uk_datetime(closed.closes_at)
    page = app.test_client().get(f"/vacancies/{due.reference}").get_data(as_text=True)
    assert f"It closed at {shown}." in page
