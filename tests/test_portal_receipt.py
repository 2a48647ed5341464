"""On time means received on time: the deadline is judged when the request arrived."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, request_finished, session
from flask.testing import FlaskClient
from sqlalchemy import event, update

from recruit.extensions import db
from recruit.models import ApplicationStatus, Vacancy, utcnow
from recruit.receipt import RECEIPT_GRACE, received_at
from tests.factories import Factory
from tests.support.documents import pdf_bytes
from tests.test_portal_support import (
    answers,
    logged_in_candidate,
    only_application,
    outbox,
    post_apply,
    skills_vacancy,
)


@pytest.fixture
def candidate(make: Factory, client: FlaskClient) -> SimpleNamespace:
    """A logged-in candidate."""
    return logged_in_candidate(make, client)


@pytest.fixture
def vacancy(make: Factory) -> SimpleNamespace:
    """An open vacancy with criteria and two recruiters."""
    return skills_vacancy(make)


@contextmanager
def closing_while_the_decision_waits(app: Flask, vacancy_id: int) -> Iterator[list[Any]]:
    """Pass the closing time just before the request's guarded UPDATE runs, as a queue would.

    Yields the closing time it set (once it has).
    """
    closed: list[Any] = []

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if closed or not statement.lstrip().upper().startswith("UPDATE APPLICATIONS"):
            return
        closed.append(utcnow() - timedelta(milliseconds=1))
        with db.engine.begin() as other:
            other.execute(
                update(Vacancy).where(Vacancy.id == vacancy_id).values(closes_at=closed[0])
            )

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield closed
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_a_submit_received_before_closing_counts_though_it_is_decided_after(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "draft", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    with closing_while_the_decision_waits(app, vacancy.id) as closed:
        response = post_apply(client, vacancy, "submit", answers(vacancy))
    assert closed, "the closing time never passed during the request"
    assert response.status_code == 302
    submitted = only_application(app)
    assert submitted.status is ApplicationStatus.SUBMITTED
    # Recorded as received: before the closing time, though decided after it.
    assert submitted.submitted_at is not None and submitted.submitted_at < closed[0]
    assert [e[0] for e in outbox(app)].count("application_received") == 1


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
    # The vacancy has now closed; the next request is received after it.
    response = post_apply(client, vacancy, "submit", answers(vacancy))
    assert response.status_code == 400
    assert "This vacancy closed at" in response.get_data(as_text=True)
    assert only_application(app).status is ApplicationStatus.DRAFT


def test_the_reading_is_the_sessions_and_expires_after_the_grace(app: Flask) -> None:
    reading = utcnow() - timedelta(seconds=2)
    with app.test_request_context("/"):
        assert received_at() is None  # no session was read: judge by the clock now
        session.read_at, session.read_monotonic = reading, time.monotonic()  # type: ignore[attr-defined]
        assert received_at() == reading
        too_long = time.monotonic() - RECEIPT_GRACE.total_seconds() - 1
        session.read_monotonic = too_long  # type: ignore[attr-defined]
        assert received_at() is None
    assert received_at() is None  # outside a request there is no receipt


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
