"""A first submit (no draft before it): few statements, one outbox INSERT, one publish.

The closing-time crowd mostly submits in one go, so this is the hot path. The application is
created already submitted by one guarded INSERT, which judges the deadline at the receipt as the
guarded UPDATE does for a draft, and which the unique (vacancy, candidate) pair makes the one
winner of a double click. The races are made to happen just before the request's first write.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select, update
from werkzeug.test import TestResponse

from recruit.extensions import db
from recruit.models import (
    AdjustmentRequest,
    Application,
    ApplicationStatus,
    InterviewGuaranteeOptIn,
    StoredFile,
    Vacancy,
    utcnow,
)
from recruit.models.application import new_candidate_number
from recruit.models.session import WebSession
from recruit.tasknames import DELIVER_TASK, RELAY_TASK
from testkit.documents import pdf_bytes
from testkit.forms import csrf_token_from
from testkit.statements import before_first, listening
from tests.support.portal import answers
from tests.support.rows import only_application, outbox, rows
from tests.support.worker import queued_tasks, redis_settings

# Most statements a first submit may send, session read and write included.
MAX_STATEMENTS = 8
FIRST_WRITE = "INSERT INTO stored_files"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The conftest configuration, publishing to a queue of its own on the test Redis."""
    with redis_settings() as settings:
        yield {**app_config, **settings}


def first_submit(client: FlaskClient, vacancy: SimpleNamespace, **extra: Any) -> TestResponse:
    """Open the form, then submit it complete with a PDF CV, as a candidate does in one go."""
    url = f"/vacancies/{vacancy.reference}/apply"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    form = dict(answers(vacancy), action="submit", csrf_token=token, **extra)
    form["cv"] = (io.BytesIO(pdf_bytes()), "cv.pdf")
    return client.post(url, data=form, content_type="multipart/form-data")


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("touch_due", [False, True], ids=["fresh-session", "touch-due"])
def test_a_first_submit_is_a_few_statements_one_outbox_insert_and_one_publish(
    app: Flask,
    client: FlaskClient,
    candidate: SimpleNamespace,
    vacancy: SimpleNamespace,
    touch_due: bool,
) -> None:
    url = f"/vacancies/{vacancy.reference}/apply"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    if touch_due:
        # Filling in the form took a while: the session's last-seen time is due a refresh.
        with app.app_context():
            db.session.execute(
                update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=5))
            )
            db.session.commit()
    form = dict(answers(vacancy), action="submit", csrf_token=token)
    form["cv"] = (io.BytesIO(pdf_bytes()), "cv.pdf")
    sent: list[str] = []
    with listening(app, sent.append):
        response = client.post(url, data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    shown = "\n".join(" ".join(s.split())[:120] for s in sent)
    assert len(sent) <= MAX_STATEMENTS, shown
    assert sum(s.lstrip().startswith("INSERT INTO outbox") for s in sent) == 1, shown
    assert not any(s.lstrip().startswith("UPDATE applications") for s in sent), shown
    touches = sum(s.lstrip().startswith("UPDATE web_sessions") for s in sent)
    assert touches == int(touch_due), shown
    with app.app_context():
        seen = db.session.scalars(select(WebSession.last_seen_at)).all()
        assert [utcnow() - when < timedelta(minutes=1) for when in seen] == [True]

    application = only_application(app)
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None and application.cv_file is not None
    assert [(c.from_status, c.to_status) for c in application.history] == [
        (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)
    ]
    assert {e.criterion_id: e.text for e in application.evidence} == {
        c.id: f"My evidence for {c.text}" for c in vacancy.criteria
    }
    emails = outbox(app)
    assert sorted(e.template for e in emails) == [
        "application_received",
        "new_application",
        "new_application",
    ]
    # One commit, one message on the broker: the relay, carrying the three rows.
    ids = sorted(e.id for e in emails)
    assert queued_tasks(app.config["TASK_QUEUE"]) == [(RELAY_TASK, [{DELIVER_TASK: ids}])]


def test_a_first_submit_keeps_the_adjustments_and_opt_in(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    response = first_submit(
        client, vacancy, adjustments="A step-free venue, please.", guaranteed_interview="y"
    )
    assert response.status_code == 302
    application = only_application(app)
    page = client.get(f"/applications/{application.id}?submitted=1").get_data(as_text=True)
    assert "APP-" in page
    [asked] = rows(app, AdjustmentRequest)
    assert (asked.application_id, asked.text, asked.on_form) == (
        application.id,
        "A step-free venue, please.",
        True,
    )
    assert [o.application_id for o in rows(app, InterviewGuaranteeOptIn)] == [application.id]


def test_a_double_click_on_a_first_submit_gives_one_application(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    twin: list[int] = []

    def first_click_lands() -> None:
        # The other click's INSERT commits between this request's checks and its own.
        with db.engine.begin() as other:
            twin.append(
                other.execute(
                    insert(Application)
                    .values(
                        vacancy_id=vacancy.id,
                        candidate_id=candidate.id,
                        status=ApplicationStatus.SUBMITTED,
                        statement="the first click",
                        submitted_at=utcnow(),
                        candidate_number=new_candidate_number(),
                    )
                    .returning(Application.id)
                ).scalar_one()
            )

    with before_first(app, FIRST_WRITE, first_click_lands) as landed:
        response = first_submit(client, vacancy)
    assert landed and response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{twin[0]}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You have already submitted an application for this vacancy" in page
    assert only_application(app).statement == "the first click"
    assert outbox(app) == []  # this click sent nothing; the winner sends its own confirmation
    assert rows(app, StoredFile) == []  # nor kept the CV it brought
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_a_first_submit_that_meets_a_draft_from_another_tab_submits_that_draft(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    def other_tab_saves() -> None:
        with db.engine.begin() as other:
            other.execute(
                insert(Application).values(
                    vacancy_id=vacancy.id,
                    candidate_id=candidate.id,
                    status=ApplicationStatus.DRAFT,
                    statement="a draft",
                    candidate_number=new_candidate_number(),
                )
            )

    with before_first(app, FIRST_WRITE, other_tab_saves) as saved:
        response = first_submit(client, vacancy)
    assert saved and response.status_code == 302
    application = only_application(app)
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.statement == answers(vacancy)["statement"]
    assert application.cv_file is not None
    assert len(application.history) == 1
    assert len(outbox(app, "application_received")) == 1
    assert len(rows(app, StoredFile)) == 1
    assert len(list(Path(app.config["UPLOAD_DIR"]).iterdir())) == 1


def test_a_first_submit_received_before_closing_counts_though_it_is_decided_after(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    closed: list[Any] = []

    def close() -> None:
        closed.append(utcnow() - timedelta(milliseconds=1))
        with db.engine.begin() as other:
            other.execute(
                update(Vacancy).where(Vacancy.id == vacancy.id).values(closes_at=closed[0])
            )

    with before_first(app, FIRST_WRITE, close):
        response = first_submit(client, vacancy)
    assert closed and response.status_code == 302
    submitted = only_application(app)
    assert submitted.status is ApplicationStatus.SUBMITTED
    assert submitted.submitted_at is not None and submitted.submitted_at < closed[0]
    assert len(outbox(app, "application_received")) == 1


def test_a_first_submit_received_after_closing_is_refused_by_the_guarded_insert(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    def close_long_ago() -> None:
        # Closed before the request was received, though the form's read saw it open.
        with db.engine.begin() as other:
            other.execute(
                update(Vacancy)
                .where(Vacancy.id == vacancy.id)
                .values(closes_at=utcnow() - timedelta(hours=1))
            )

    with before_first(app, FIRST_WRITE, close_long_ago) as closed:
        response = first_submit(client, vacancy)
    assert closed and response.status_code == 400
    assert "This vacancy closed at" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Application)).all() == []
    assert rows(app, StoredFile) == [] and outbox(app) == []
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []
