"""On time means received on time: the deadline is judged when the request arrived."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from flask import Flask, g, request_finished, session
from flask.testing import FlaskClient
from sqlalchemy import update

from recruit.deadlines import CLOSING_GRACE, RECEIPT_VALIDITY
from recruit.extensions import db
from recruit.models import ApplicationStatus, Vacancy, utcnow
from recruit.web.receipt import (
    ClockReading,
    mark_received,
    received_at,
)
from testkit.documents import pdf_bytes
from testkit.forms import HeldBody, csrf_token_from
from testkit.statements import before_first
from tests.support.portal import (
    SEND_WRITE,
    announce_submissions,
    answers,
    post_apply,
    send_application,
    set_closed,
)
from tests.support.rows import only_application, outbox


@contextmanager
def closing_while_the_decision_waits(app: Flask, vacancy_id: int) -> Iterator[list[Any]]:
    """Pass the closing time just before the request's guarded UPDATE runs, as a queue would.

    Yields the closing time it set (once it has).
    """
    closed: list[Any] = []

    def close() -> None:
        closed.append(utcnow() - timedelta(milliseconds=1))
        with db.engine.begin() as other:
            other.execute(
                update(Vacancy).where(Vacancy.id == vacancy_id).values(closes_at=closed[0])
            )

    with before_first(app, SEND_WRITE, close):
        yield closed


def test_a_submit_received_before_closing_counts_though_it_is_decided_after(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "draft", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    with closing_while_the_decision_waits(app, vacancy.id) as closed:
        response = send_application(client, vacancy)
    assert closed, "the closing time never passed during the request"
    assert response.status_code == 302
    submitted = only_application(app)
    assert response.headers["Location"].endswith(f"/applications/{submitted.id}/submitted")
    assert submitted.status is ApplicationStatus.SUBMITTED
    # Recorded as received: before the closing time, though decided after it.
    assert submitted.submitted_at is not None and submitted.submitted_at < closed[0]
    assert announce_submissions(app) == 1
    assert len(outbox(app, "application_received")) == 1


def test_a_draft_saved_before_closing_is_kept_though_it_is_decided_after(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "draft", {"statement": "First thoughts."})
    with closing_while_the_decision_waits(app, vacancy.id) as closed:
        response = post_apply(client, vacancy, "draft", {"statement": "Final words."})
    assert closed and response.status_code == 302
    assert only_application(app).statement == "Final words."


def test_once_received_after_closing_a_submit_is_refused(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "draft", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    with closing_while_the_decision_waits(app, vacancy.id):
        post_apply(client, vacancy, "draft", answers(vacancy))
    # The vacancy has now closed; the next "Accept and send" is received after it.
    response = send_application(client, vacancy)
    assert response.status_code == 400
    assert "This vacancy closed at" in response.get_data(as_text=True)
    assert only_application(app).status is ApplicationStatus.DRAFT


def test_the_receipt_adds_the_bodys_arrival_and_expires(app: Flask) -> None:
    reading = utcnow() - timedelta(seconds=2)
    with app.test_request_context("/"):
        mark_received()
        assert received_at() is None  # no session was read: judge by the clock now
        session.clock = ClockReading(reading, time.monotonic() - 1.5)  # type: ignore[attr-defined]
        mark_received()  # the body took 1.5 s to arrive after the reading
        received = received_at()
        assert received is not None
        assert timedelta(seconds=1.5) <= received - reading < timedelta(seconds=2)
        g.receipt = ClockReading(received, time.monotonic() - RECEIPT_VALIDITY.total_seconds() - 1)
        assert received_at() is None  # waited too long for its decision: judge at the decision
    assert received_at() is None  # outside a request there is no receipt
    assert RECEIPT_VALIDITY < CLOSING_GRACE  # every valid receipt is decided before closing


def test_a_submit_whose_body_arrives_after_closing_is_refused(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "draft", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    check = f"/vacancies/{vacancy.reference}/apply/check"
    page = client.get(check).get_data(as_text=True)
    assert "Accept and send" in page
    # "Accept and send" posts the token and nothing else.
    body = urlencode({"csrf_token": csrf_token_from(page)}).encode()

    def close_now() -> None:
        # The headers are in and the session read; the closing time passes before the body.
        set_closed(app, vacancy.id, ago=timedelta(milliseconds=1))

    response = client.post(
        check,
        input_stream=HeldBody(body, close_now),
        content_type="application/x-www-form-urlencoded",
        content_length=len(body),
    )
    assert response.status_code == 400
    assert "This vacancy closed at" in response.get_data(as_text=True)
    assert only_application(app).status is ApplicationStatus.DRAFT
    assert outbox(app) == []


def test_a_logged_in_request_reads_the_database_clock_with_its_session(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace
) -> None:
    seen: list[Any] = []

    def keep(sender: Flask, response: Any, **_: Any) -> None:
        seen.append(received_at())

    before = utcnow() - timedelta(seconds=1)
    with request_finished.connected_to(keep, app):
        assert client.get("/applications").status_code == 200
    assert seen and seen[0] is not None
    assert before <= seen[0] <= utcnow() + timedelta(seconds=1)
