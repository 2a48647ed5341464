"""A commit with several emails, through a real worker: the relay hands them out in batches.

`recruit.outbox.deliver_batch` sends a batch's rows on the worker's lane threads; a row the
server refuses for now goes on as its own `recruit.outbox.deliver` retry, and every email still
arrives exactly once.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
from flask import Flask
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import OutboxMessage, OutboxStatus
from recruit.outbox.store import enqueue_email
from tests.support.smtp import RefusesOnce, SMTPServer
from tests.support.worker import running_worker, wait_until

pytestmark = pytest.mark.integration

EMAILS = 7


def commit_emails(app: Flask, count: int) -> list[int]:
    """Commit `count` emails in one transaction, as a submit does; their ids."""
    with app.app_context():
        rows = [
            enqueue_email("password_reset", f"person{n}@example.org", full_name=f"P {n}")
            for n in range(count)
        ]
        db.session.commit()
        return [row.id for row in rows]


def sent_rows(app: Flask) -> list[tuple[int, OutboxStatus, int]]:
    """Each row's id, status and attempts."""
    with app.app_context():
        query = select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts)
        return [(i, s, a) for i, s, a in db.session.execute(query.order_by(OutboxMessage.id))]


@pytest.mark.parametrize("smtp", [RefusesOnce], indirect=True)
def test_a_batch_sends_every_email_once_and_retries_the_refused_one_alone(
    app: Flask, smtp: SMTPServer, tmp_path: Path
) -> None:
    with running_worker(app, tmp_path / "worker") as worker:
        ids = commit_emails(app, EMAILS)
        wait_until(lambda: len(smtp.received) == EMAILS)
        wait_until(lambda: {s for _, s, _ in sent_rows(app)} == {OutboxStatus.SENT})
    assert "recruit.outbox.deliver_batch[" in worker.log()
    assert cast(RefusesOnce, smtp.handler).refused == 1
    message_ids = [item.message["Message-ID"] for item in smtp.received]
    assert len(set(message_ids)) == EMAILS
    attempts = sorted(a for _, _, a in sent_rows(app))
    assert [i for i, _, _ in sent_rows(app)] == ids
    assert attempts == [1] * (EMAILS - 1) + [2]  # only the refused one was tried again
