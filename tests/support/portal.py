"""The candidate's side of the portal in tests: an applicant, a vacancy, the application form."""

from __future__ import annotations

import io
from datetime import timedelta
from email.message import EmailMessage
from types import SimpleNamespace
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from recruit.extensions import db
from recruit.models import OutboxMessage, OutboxStatus, Vacancy, utcnow
from recruit.outbox.delivery import Verdict, deliver_one
from recruit.services.submission_notices import NOTICE_KIND
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import log_in


def logged_in_candidate(make: Factory, client: FlaskClient) -> SimpleNamespace:
    """A candidate, logged in on `client`."""
    user = make.candidate(full_name="Ada Candidate")
    log_in(client, user)
    return user


def skills_vacancy(make: Factory) -> SimpleNamespace:
    """An open vacancy with two essential criteria, one desirable, and two recruiters."""
    first = make.recruiter(full_name="Rita Recruiter")
    second = make.recruiter(full_name="Sam Sifter")
    return make.vacancy(
        title="Head of Skills and Talent",
        essential=("Led a skills programme", "Worked with universities"),
        desirable=("Knows the Midlands",),
        recruiter_ids=(first.id, second.id),
        statement_word_limit=20,
    )


def answers(vacancy: SimpleNamespace, **overrides: Any) -> dict[str, Any]:
    """A complete set of answers for `vacancy`'s form."""
    data: dict[str, Any] = {"statement": "I have led regional growth programmes."}
    for criterion in vacancy.criteria:
        data[f"evidence_{criterion.id}"] = f"My evidence for {criterion.text}"
    data.update(overrides)
    return data


def post_apply(
    client: FlaskClient,
    vacancy: SimpleNamespace,
    action: str,
    data: dict[str, Any],
    cv: tuple[bytes, str] | None = None,
) -> TestResponse:
    """Fill in and send the application form with one of its buttons ("draft" or "continue").

    "submit" is the whole journey's end: "Continue" (saves the answers and the CV), then
    "Accept and send" on the check-answers page; the first answer that is not the way on.
    """
    payload = dict(data, action="continue" if action == "submit" else action)
    if cv is not None:
        payload["cv"] = (io.BytesIO(cv[0]), cv[1])
    url = f"/vacancies/{vacancy.reference}/apply"
    saved = submit(client, url, payload, content_type="multipart/form-data")
    if action != "submit" or not saved.headers.get("Location", "").endswith(f"{url}/check"):
        return saved
    return send_application(client, vacancy)


def send_application(
    client: FlaskClient, vacancy: SimpleNamespace, extra: dict[str, str] | None = None
) -> TestResponse:
    """Press "Accept and send" on the check-answers page: submit the saved draft.

    `extra` adds fields the real page never posts (a tampered request), next to the token.
    """
    # Any signed-in page carries the session's CSRF token (the header's sign-out form).
    token = csrf_token_from(client.get("/applications").get_data(as_text=True))
    url = f"/vacancies/{vacancy.reference}/apply/check"
    return client.post(url, data={**(extra or {}), "csrf_token": token})


def set_closed(app: Flask, vacancy_id: int, ago: timedelta = timedelta(seconds=5)) -> None:
    """Move the closing time `ago` into the past, as the database clock sees it."""
    with app.app_context():
        db.session.execute(
            update(Vacancy).where(Vacancy.id == vacancy_id).values(closes_at=utcnow() - ago)
        )
        db.session.commit()


# The send's write: the guarded UPDATE on its own (SQLite), or heading the one statement that
# also writes the history row and the submission notice (PostgreSQL).
SEND_WRITE = ("UPDATE applications", "WITH sent AS (UPDATE applications")


def _no_email(message: EmailMessage) -> None:
    raise AssertionError(f"a submission notice sent an email: {message['Subject']}")


def announce_submissions(app: Flask) -> int:
    """Act on every pending submission notice with the worker's own delivery code, as a worker
    would after a send; the emails and webhook each send leads to are then in the outbox.
    Returns how many notices there were."""
    with app.app_context():
        pending = db.session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.kind == NOTICE_KIND, OutboxMessage.status == OutboxStatus.PENDING
            )
        ).all()
        for notice_id in pending:
            assert deliver_one(notice_id, _no_email).verdict is Verdict.SENT
        db.session.remove()
    return len(pending)
