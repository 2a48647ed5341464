"""The submission notice: "Accept and send" writes one row, and a worker announces it once.

The announcement (`recruit.services.submission_notices`) queues the candidate's confirmation and
an email to each recruiter in the same transaction that marks the notice sent, so a notice
handed over twice, or acted on by a worker that died before committing, never emails twice.
"""

from __future__ import annotations

from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from recruit.extensions import db
from recruit.models import Application, OutboxMessage, OutboxStatus
from recruit.outbox.delivery import Verdict, deliver_one
from testkit.documents import pdf_bytes
from testkit.factories import Factory
from tests.support.accounts import log_in
from tests.support.portal import announce_submissions, answers, post_apply, send_application
from tests.support.rows import only_application, outbox
from tests.support.smtp import smtp_server
from tests.support.worker import redis_settings, running_worker, wait_until


def _no_email(message: EmailMessage) -> None:
    raise AssertionError("a notice must not send an email itself")


def sent_application(client: FlaskClient, make: Factory, vacancy: SimpleNamespace) -> None:
    """A candidate, logged in on `client`, who saves their answers and presses "Accept and send"."""
    log_in(client, make.candidate(full_name="Nia Okafor"))
    post_apply(client, vacancy, "draft", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    assert send_application(client, vacancy).status_code == 302


def test_the_send_writes_one_notice_and_the_announcement_writes_the_emails(
    app: Flask, client: FlaskClient, make: Factory, vacancy: SimpleNamespace
) -> None:
    sent_application(client, make, vacancy)
    [notice] = outbox(app)
    application = only_application(app)
    assert (notice.kind, notice.template, notice.recipient) == (
        "submitted",
        "application_submitted",
        "",
    )
    assert notice.payload == {"application_id": application.id}  # an id: no personal data
    assert announce_submissions(app) == 1
    rows = outbox(app)
    assert [r.status for r in rows if r.kind == "submitted"] == [OutboxStatus.SENT]
    emails = Counter(r.template for r in rows if r.kind == "email")
    assert emails == Counter({"application_received": 1, "new_application": 2})


def test_a_notice_handed_over_twice_is_announced_once(
    app: Flask, client: FlaskClient, make: Factory, vacancy: SimpleNamespace
) -> None:
    sent_application(client, make, vacancy)
    [notice] = outbox(app)
    with app.app_context():
        assert deliver_one(notice.id, _no_email).verdict is Verdict.SENT
        assert deliver_one(notice.id, _no_email).verdict is Verdict.ALREADY_DONE
    assert len(outbox(app, "application_received")) == 1
    assert len(outbox(app, "new_application")) == 2


def test_a_notice_whose_application_was_erased_queues_nothing(
    app: Flask, client: FlaskClient, make: Factory, vacancy: SimpleNamespace
) -> None:
    sent_application(client, make, vacancy)
    with app.app_context():
        db.session.execute(delete(Application))
        db.session.commit()
    assert announce_submissions(app) == 1
    [notice] = outbox(app)
    assert notice.status is OutboxStatus.SENT


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
def test_a_real_worker_emails_the_candidate_and_each_recruiter_after_a_send(
    app_factory: Any, tmp_path: Path
) -> None:
    with smtp_server() as server, redis_settings() as broker:
        app = app_factory(**broker, SMTP_URL=server.url)
        make = Factory(app)
        vacancy = make.vacancy(recruiter_ids=(make.recruiter().id, make.recruiter().id))
        with running_worker(app, tmp_path) as worker:
            sent_application(app.test_client(), make, vacancy)
            wait_until(
                lambda: len(server.received) == 3,
                timeout=60,
                message=f"three emails\n{worker.log()}",
            )
    subjects = sorted(str(item.message["Subject"]) for item in server.received)
    assert subjects[0].startswith("New application for") and subjects[1] == subjects[0]
    assert subjects[2].startswith("We have received your application")
    with app.app_context():
        statuses = db.session.scalars(select(OutboxMessage.status)).all()
    assert statuses == [OutboxStatus.SENT] * 4  # the notice and its three emails
