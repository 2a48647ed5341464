"""One application per vacancy, and the hard closing time judged by the database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    StatusChange,
    Vacancy,
    VacancyStatus,
    utcnow,
)
from recruit.services import applications, submitting
from testkit.documents import pdf_bytes
from testkit.factories import Factory
from testkit.forms import submit
from testkit.statements import before_first
from tests.support.portal import (
    announce_submissions,
    answers,
    post_apply,
    send_application,
    set_closed,
)
from tests.support.rows import only_application, outbox


def test_one_application_per_vacancy(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    for _ in range(3):
        assert post_apply(client, vacancy, "draft", {"statement": "again"}).status_code == 302
    only_application(app)


def test_concurrent_start_reuses_the_winner(
    app: Flask, make: Factory, vacancy: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = make.candidate()
    winner = make.application(person.id, vacancy.id, status=ApplicationStatus.DRAFT)
    real_find = applications.find_for_vacancy
    misses = [True]

    def racing_find(vacancy_id: int, candidate_id: int) -> Application | None:
        # The first look misses the row, as if the other request inserted it just after.
        if misses:
            misses.pop()
            return None
        return real_find(vacancy_id, candidate_id)

    monkeypatch.setattr(applications, "find_for_vacancy", racing_find)
    with app.app_context():
        assert applications.start(vacancy.id, person.id).id == winner.id
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Application)) == 1


def test_submit_after_closing_is_refused(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "draft", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    set_closed(app, vacancy.id)
    response = send_application(client, vacancy)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This vacancy closed at" in html
    assert "Applications can no longer be changed or submitted" in html
    draft = only_application(app)
    assert draft.status is ApplicationStatus.DRAFT
    assert draft.submitted_at is None
    assert draft.history == []
    assert outbox(app) == []


def test_saving_a_draft_after_closing_is_refused(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "draft", {"statement": "Before the deadline."})
    set_closed(app, vacancy.id)
    response = post_apply(
        client, vacancy, "draft", {"statement": "After."}, cv=(pdf_bytes(), "a.pdf")
    )
    assert response.status_code == 400
    assert "This vacancy closed at" in response.get_data(as_text=True)
    assert only_application(app).statement == "Before the deadline."
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_closed_vacancy_cannot_be_started(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, make: Factory
) -> None:
    closed = make.vacancy(closes_in=timedelta(minutes=-1))
    page = client.get(f"/vacancies/{closed.reference}/apply")
    assert page.status_code == 200
    assert "This vacancy has closed" in page.get_data(as_text=True)
    # The form is not offered, but a hand-made POST must be refused by the database check too.
    response = submit(
        client,
        "/applications",
        {"action": "draft", "statement": "late"},
        action=f"/vacancies/{closed.reference}/apply",
    )
    assert response.status_code == 400
    assert "This vacancy closed at" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == 0


def test_draft_vacancy_apply_is_not_found(
    client: FlaskClient, candidate: SimpleNamespace, make: Factory
) -> None:
    draft = make.vacancy(status=VacancyStatus.DRAFT)
    assert client.get(f"/vacancies/{draft.reference}/apply").status_code == 404


def test_history_is_written_once(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "submit", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    submitted = only_application(app)
    assert submitted.status is ApplicationStatus.SUBMITTED
    # A second "Accept and send" from a stale tab (the check-answers page itself now redirects).
    again = send_application(client, vacancy)
    assert again.status_code == 302  # redirected to the submitted application's confirmation
    assert again.headers["Location"].endswith(f"/applications/{submitted.id}/submitted")
    with app.app_context():
        # The send itself, again: it finds no draft to submit, and writes nothing.
        assert not submitting.send_draft(submitted.id, submitted.candidate_id, None)
        db.session.commit()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatusChange)) == 1
    assert announce_submissions(app) == 1
    assert len(outbox(app, "application_received")) == 1


def test_submit_refused_once_recruiters_close_the_vacancy(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "draft", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    with app.app_context():
        db.session.execute(
            update(Vacancy).where(Vacancy.id == vacancy.id).values(status=VacancyStatus.CLOSED)
        )
        db.session.commit()
    response = send_application(client, vacancy)
    assert response.status_code == 400
    assert only_application(app).status is ApplicationStatus.DRAFT
    assert outbox(app) == []


def test_service_refuses_submission_once_closed_by_database_clock(
    app: Flask, make: Factory, vacancy: SimpleNamespace
) -> None:
    person = make.candidate()
    draft = make.application(person.id, vacancy.id, status=ApplicationStatus.DRAFT)
    set_closed(app, vacancy.id)
    with app.test_request_context():
        row = db.session.get(Application, draft.id)
        assert row is not None
        late = applications.Answers(statement="late")
        assert not submitting.send_draft(row.id, row.candidate_id, None)
        with pytest.raises(applications.ApplicationClosedError, match="This vacancy closed at"):
            applications.save_draft(row, late)
        db.session.rollback()
        row = db.session.get(Application, draft.id)
        assert row is not None and row.status is ApplicationStatus.DRAFT
        assert row.statement != "late"


def test_a_second_click_that_loses_the_race_shows_the_submitted_application(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "draft", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    draft = only_application(app)

    def first_click_lands() -> None:
        # Between this request's checks and its guarded UPDATE, the other click submits.
        with db.engine.begin() as other:
            other.execute(
                update(Application)
                .where(Application.id == draft.id)
                .values(status=ApplicationStatus.SUBMITTED, submitted_at=utcnow())
            )

    # A "Continue" from a stale tab: its save finds the draft sent (the double click on
    # "Accept and send" itself is in tests/test_submit_first.py).
    with before_first(app, "UPDATE applications", first_click_lands) as twin_won:
        response = post_apply(client, vacancy, "continue", answers(vacancy))
    assert twin_won
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{draft.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You have already submitted an application for this vacancy" in page
    assert outbox(app) == []  # this click sent nothing; the winner sends its own confirmation
