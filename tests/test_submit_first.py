"""A first submit ("Accept and send" on the check-answers page): few statements, one outbox
row, one publish.

The candidate has saved their answers and CV with "Continue"; the send carries no answers and
submits the saved draft with one guarded UPDATE, which judges the deadline at the send's own
receipt and which makes one click of a double click the winner. With it go the history row and
one submission notice, which a worker turns into the emails. The races are made to happen just
before the request's first write.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from recruit.extensions import db
from recruit.models import (
    AdjustmentRequest,
    Application,
    ApplicationStatus,
    InterviewGuaranteeOptIn,
    StatusChange,
    Vacancy,
    utcnow,
)
from recruit.models.session import WebSession
from recruit.services import submitting
from recruit.tasknames import DELIVER_TASK
from testkit.documents import pdf_bytes
from testkit.forms import csrf_token_from
from testkit.statements import before_first, listening
from tests.support.portal import SEND_WRITE, announce_submissions, answers
from tests.support.rows import only_application, outbox, rows
from tests.support.worker import handed_over, queued_tasks, redis_settings

# The send's writes, by backend: on PostgreSQL one statement; on SQLite (no data-modifying
# WITH) the same three writes one after another.
SEND_WRITES = {
    "postgresql": [("UPDATE applications", "INSERT INTO status_changes", "INSERT INTO outbox")],
    "sqlite": [("UPDATE applications",), ("INSERT INTO status_changes",), ("INSERT INTO outbox",)],
}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The conftest configuration, publishing to a queue of its own on the test Redis."""
    with redis_settings() as settings:
        yield {**app_config, **settings}


def save_and_continue(client: FlaskClient, vacancy: SimpleNamespace, **extra: Any) -> str:
    """Fill in the form with a PDF CV and press "Continue"; the check-answers page's token."""
    url = f"/vacancies/{vacancy.reference}/apply"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    form = dict(answers(vacancy), action="continue", csrf_token=token, **extra)
    form["cv"] = (io.BytesIO(pdf_bytes()), "cv.pdf")
    saved = client.post(url, data=form, content_type="multipart/form-data")
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"{url}/check")
    page = client.get(saved.headers["Location"])
    assert page.status_code == 200
    return csrf_token_from(page.get_data(as_text=True))


def accept_and_send(client: FlaskClient, vacancy: SimpleNamespace, token: str) -> TestResponse:
    """Press "Accept and send"."""
    url = f"/vacancies/{vacancy.reference}/apply/check"
    return client.post(url, data={"csrf_token": token})


# The read of the draft before its send: on PostgreSQL the send's one statement checks it.
DRAFT_READS = {"sqlite": ["applications.id,"], "postgresql": []}

# How the session's read starts: on PostgreSQL it refreshes a due last-seen time as it reads.
SESSION_READ = {
    "sqlite": "SELECT web_sessions.data,",
    "postgresql": "WITH refreshed AS (UPDATE web_sessions SET last_seen_at=",
}


@pytest.mark.parametrize("touch_due", [False, True], ids=["fresh-session", "touch-due"])
def test_a_send_is_a_few_statements_one_outbox_row_and_one_publish(
    app: Flask,
    client: FlaskClient,
    candidate: SimpleNamespace,
    vacancy: SimpleNamespace,
    touch_due: bool,
    backend: str,
) -> None:
    token = save_and_continue(client, vacancy)
    if touch_due:
        # Checking the answers took a while: the session's last-seen time is due a refresh.
        with app.app_context():
            db.session.execute(
                update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=5))
            )
            db.session.commit()
    sent: list[str] = []
    with listening(app, sent.append):
        response = accept_and_send(client, vacancy, token)
    assert response.status_code == 302
    application = only_application(app)
    assert response.headers["Location"].endswith(f"/applications/{application.id}/submitted")
    shown = "\n".join(" ".join(s.split())[:120] for s in sent)
    # The session with its user; on SQLite then the draft (on PostgreSQL the send itself checks
    # the answers), and nothing else is read. On PostgreSQL the session's read also refreshes a
    # due last-seen time, in the same statement.
    flat = [" ".join(s.split()) for s in sent]
    session_read = SESSION_READ[backend]
    reads = [s for s, f in zip(sent, flat, strict=True) if f.startswith(("SELECT", session_read))]
    assert [" ".join(r.split())[: len(session_read)] for r in reads[:1]] == [session_read], shown
    assert [r.split(None, 2)[1] for r in reads[1:]] == DRAFT_READS[backend], shown
    touches = [s for s in sent if s.lstrip().startswith("UPDATE web_sessions")]
    assert len(touches) == int(touch_due and backend == "sqlite"), shown
    writes = [s for s in sent if s not in reads and s not in touches]
    assert len(writes) == len(SEND_WRITES[backend]), shown
    for statement, parts in zip(writes, SEND_WRITES[backend], strict=True):
        assert all(part in statement for part in parts), shown

    with app.app_context():
        last_seen = db.session.scalars(select(WebSession.last_seen_at)).one()
    assert utcnow() - last_seen < timedelta(minutes=1), "activity keeps the session alive"
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None and application.cv_file is not None
    assert [(c.from_status, c.to_status) for c in application.history] == [
        (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)
    ]
    assert {e.criterion_id: e.text for e in application.evidence} == {
        c.id: f"My evidence for {c.text}" for c in vacancy.criteria
    }
    # One row, the submission notice; one message on the broker, handing it to the worker.
    [notice] = outbox(app)
    assert (notice.kind, notice.payload) == ("submitted", {"application_id": application.id})
    handed_over(app)
    assert queued_tasks(app.config["TASK_QUEUE"]) == [(DELIVER_TASK, [notice.id])]
    # The worker's announcement queues the confirmation and one email per recruiter.
    assert announce_submissions(app) == 1
    emails = [e for e in outbox(app) if e.kind == "email"]
    assert sorted(e.template for e in emails) == [
        "application_received",
        "new_application",
        "new_application",
    ]


def test_the_send_keeps_the_adjustments_and_opt_in_saved_with_the_answers(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    token = save_and_continue(
        client, vacancy, adjustments="A step-free venue, please.", guaranteed_interview="y"
    )
    check = client.get(f"/vacancies/{vacancy.reference}/apply/check").get_data(as_text=True)
    assert "A step-free venue, please." in check and "Yes, consider me under the scheme" in check
    assert accept_and_send(client, vacancy, token).status_code == 302
    application = only_application(app)
    [asked] = rows(app, AdjustmentRequest)
    assert (asked.application_id, asked.text, asked.on_form) == (
        application.id,
        "A step-free venue, please.",
        True,
    )
    assert [o.application_id for o in rows(app, InterviewGuaranteeOptIn)] == [application.id]


def test_a_double_click_on_accept_and_send_submits_once_and_both_see_the_confirmation(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    token = save_and_continue(client, vacancy)
    draft = only_application(app)

    def first_click_lands() -> None:
        # The other click's UPDATE commits between this request's checks and its own.
        with db.engine.begin() as other:
            other.execute(
                update(Application)
                .where(Application.id == draft.id)
                .values(status=ApplicationStatus.SUBMITTED, submitted_at=utcnow())
            )

    with before_first(app, SEND_WRITE, first_click_lands) as landed:
        response = accept_and_send(client, vacancy, token)
    assert landed and response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{draft.id}/submitted")
    assert rows(app, StatusChange) == []  # this click wrote no history
    assert outbox(app) == []  # nor any email: the winner sends its own confirmation
    # A click after the first one landed finds nothing to send, and is shown the same page.
    again = accept_and_send(client, vacancy, token)
    assert again.headers["Location"].endswith(f"/applications/{draft.id}/submitted")


def test_a_send_received_before_closing_counts_though_it_is_decided_after(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    token = save_and_continue(client, vacancy)
    closed: list[Any] = []

    def close() -> None:
        closed.append(utcnow() - timedelta(milliseconds=1))
        with db.engine.begin() as other:
            other.execute(
                update(Vacancy).where(Vacancy.id == vacancy.id).values(closes_at=closed[0])
            )

    with before_first(app, SEND_WRITE, close):
        response = accept_and_send(client, vacancy, token)
    assert closed and response.status_code == 302
    submitted = only_application(app)
    assert submitted.status is ApplicationStatus.SUBMITTED
    assert submitted.submitted_at is not None and submitted.submitted_at < closed[0]
    assert announce_submissions(app) == 1
    assert len(outbox(app, "application_received")) == 1


def test_a_send_received_after_closing_is_refused_by_the_guarded_update(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    token = save_and_continue(client, vacancy)

    def close_long_ago() -> None:
        # Closed before the request was received, though the page's read saw it open.
        with db.engine.begin() as other:
            other.execute(
                update(Vacancy)
                .where(Vacancy.id == vacancy.id)
                .values(closes_at=utcnow() - timedelta(hours=1))
            )

    with before_first(app, SEND_WRITE, close_long_ago) as closed:
        response = accept_and_send(client, vacancy, token)
    assert closed and response.status_code == 400
    assert "This vacancy closed at" in response.get_data(as_text=True)
    with app.app_context():
        [row] = db.session.scalars(select(Application)).all()
        assert row.status is ApplicationStatus.DRAFT and row.submitted_at is None
    assert rows(app, StatusChange) == [] and outbox(app) == []


def test_a_send_without_the_form_token_is_refused_and_submits_nothing(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    """The send builds no form: CSRFProtect checks its token before the view runs."""
    save_and_continue(client, vacancy)
    for token in (None, "forged-token"):
        data = {} if token is None else {"csrf_token": token}
        response = client.post(f"/vacancies/{vacancy.reference}/apply/check", data=data)
        assert response.status_code == 400
    assert only_application(app).status is ApplicationStatus.DRAFT
    assert rows(app, StatusChange) == [] and outbox(app) == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_refused_send_ends_its_transaction_before_the_page_is_read(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    """On SQLite even an UPDATE that matched no row holds the write lock until its transaction
    ends: a late click must not keep other writers waiting while its page is rendered."""
    token = save_and_continue(client, vacancy)
    with app.app_context():
        db.session.execute(
            update(Vacancy)
            .where(Vacancy.id == vacancy.id)
            .values(closes_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()

    def another_writer() -> None:
        # Another request's write, while this one reads its page: it must not wait on a lock.
        with db.engine.connect() as other:
            other.exec_driver_sql("PRAGMA busy_timeout = 0")
            other.execute(update(Vacancy).where(Vacancy.id == vacancy.id).values(title="Renamed"))
            other.commit()

    with before_first(app, "SELECT vacancies", another_writer) as wrote:
        response = accept_and_send(client, vacancy, token)
    assert wrote and response.status_code == 400
    assert only_application(app).status is ApplicationStatus.DRAFT


def test_the_send_submits_only_the_senders_own_draft(
    app: Flask, make: Any, vacancy: SimpleNamespace
) -> None:
    owner, other = make.candidate(), make.candidate()
    draft = make.application(owner.id, vacancy.id, status=ApplicationStatus.DRAFT)
    with app.app_context():
        assert not submitting.send_draft(draft.id, other.id, None)
        db.session.rollback()
    assert only_application(app).status is ApplicationStatus.DRAFT
