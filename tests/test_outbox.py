"""The outbox life cycle: publish after commit, exclusive claims, sweeping, never resending."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from recruit.extensions import db
from recruit.models import OutboxMessage, OutboxStatus, utcnow
from recruit.notifications.mail import TransientMailError
from recruit.outbox.store import (
    REPUBLISH_AFTER,
    STALE_CLAIM,
    claim,
    due_for_sweep,
    enqueue_email,
    mark_sent,
)
from recruit.tasknames import DELIVER_TASK, RELAY_TASK
from tests.support.outbox import queued_email
from tests.support.rows import stored
from tests.support.smtp import RecordingHandler, smtp_server
from tests.support.worker import queue_length, queued_tasks, redis_settings
from worker.celery_app import celery_init_app
from worker.tasks import deliver, sweep

LINK = "http://recruit.test/reset-password/secret-token"


@pytest.fixture
def broker(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Extra settings for the broker: none (the filesystem default) unless a test asks for Redis."""
    if getattr(request, "param", "filesystem") == "redis":
        with redis_settings() as settings:
            yield settings
    else:
        yield {}


@pytest.fixture
def app_config(app_config: dict[str, Any], broker: dict[str, str]) -> dict[str, Any]:
    """The conftest configuration plus this test's broker."""
    return {**app_config, **broker}


@pytest.fixture
def worker_app(app: Flask) -> Flask:
    """The app with the worker's Celery app bound, so tasks can be called in this process."""
    celery_init_app(app)
    return app


def add_email(app: Flask, **fields: Any) -> int:
    """Commit a password-reset email and optionally adjust its columns; return its id."""
    context = {"full_name": "Amara", "reset_url": LINK}
    return queued_email(app, "password_reset", "amara@example.org", context, **fields)


def broker_messages(app: Flask) -> list[Path]:
    """Messages waiting in the filesystem broker."""
    return sorted((Path(app.config["BROKER_DIR"]) / "queue").glob("*.msg"))


def test_publish_happens_after_commit_and_never_after_rollback(app: Flask) -> None:
    with app.app_context():
        enqueue_email("password_changed", "a@example.org", full_name="A", reset_url=LINK)
        db.session.flush()
        assert broker_messages(app) == []  # written, but not yet committed
        db.session.rollback()
        assert broker_messages(app) == []
        enqueue_email("password_changed", "a@example.org", full_name="A", reset_url=LINK)
        db.session.commit()
    assert len(broker_messages(app)) == 1


@pytest.mark.parametrize("broker", ["redis"], indirect=True)
def test_publish_to_redis_happens_only_on_commit(app: Flask) -> None:
    queue = app.config["TASK_QUEUE"]
    with app.app_context():
        enqueue_email("password_changed", "a@example.org", full_name="A", reset_url=LINK)
        db.session.flush()
        db.session.rollback()
        assert queue_length(queue) == 0
        first = enqueue_email("password_changed", "a@example.org", full_name="A", reset_url=LINK)
        second = enqueue_email("password_changed", "b@example.org", full_name="B", reset_url=LINK)
        db.session.commit()
        ids = [first.id, second.id]
    # One commit, one message: the relay, carrying both rows for the deliverer.
    assert queued_tasks(queue) == [(RELAY_TASK, [{DELIVER_TASK: ids}])]


def test_claim_is_taken_once(app: Flask) -> None:
    outbox_id = add_email(app)
    with app.app_context():
        row = claim(outbox_id)
        assert row is not None and row.status is OutboxStatus.SENDING
        assert row.attempts == 1 and row.claimed_at is not None
        db.session.commit()
        assert claim(outbox_id) is None


def test_concurrent_claims_have_one_winner(app: Flask) -> None:
    outbox_id = add_email(app)
    start = threading.Barrier(4)
    winners: list[bool] = []

    def contend() -> None:
        with app.app_context():
            start.wait(timeout=10)
            won = claim(outbox_id) is not None
            db.session.commit()
            winners.append(won)

    threads = [threading.Thread(target=contend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(winners) == [False, False, False, True]
    assert stored(app, OutboxMessage, outbox_id).attempts == 1


def test_a_crashed_workers_claim_can_be_taken_again(app: Flask) -> None:
    long_ago = utcnow() - STALE_CLAIM - timedelta(minutes=1)
    stale = add_email(app, status=OutboxStatus.SENDING, claimed_at=long_ago, attempts=1)
    busy = add_email(app, status=OutboxStatus.SENDING, claimed_at=utcnow(), attempts=1)
    with app.app_context():
        assert claim(busy) is None
        row = claim(stale)
        assert row is not None and row.attempts == 2


def test_a_sent_row_is_never_claimed_again(app: Flask) -> None:
    outbox_id = add_email(app)
    with app.app_context():
        row = claim(outbox_id)
        assert row is not None
        mark_sent(row)
        db.session.commit()
        long_ago = utcnow() - STALE_CLAIM * 2
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(claimed_at=long_ago)
        )
        db.session.commit()
        assert claim(outbox_id) is None
    row = stored(app, OutboxMessage, outbox_id)
    assert row.status is OutboxStatus.SENT and row.sent_at is not None
    assert row.payload == {"full_name": "Amara"}  # the reset link is gone from the database


def test_deliver_sends_once_and_skips_a_replay(worker_app: Flask) -> None:
    outbox_id = add_email(worker_app)
    mail_dir = Path(worker_app.config["MAIL_DIR"])
    assert deliver(outbox_id) == "sent"
    (mail_dir / f"{outbox_id}.eml").unlink()
    assert deliver(outbox_id) == "skipped"
    assert list(mail_dir.iterdir()) == []
    assert "reset_url" not in stored(worker_app, OutboxMessage, outbox_id).payload


def test_deliver_gives_up_on_a_permanent_refusal(worker_app: Flask) -> None:
    outbox_id = add_email(worker_app)
    handler = RecordingHandler(rcpt_reply="550 5.1.1 No such user")
    with smtp_server(handler) as server:
        worker_app.config["SMTP_URL"] = server.url
        assert deliver(outbox_id) == "failed"
    row = stored(worker_app, OutboxMessage, outbox_id)
    assert row.status is OutboxStatus.FAILED and "550" in (row.last_error or "")
    assert "reset_url" not in row.payload


def test_deliver_puts_a_transient_failure_back_to_pending(worker_app: Flask) -> None:
    outbox_id = add_email(worker_app)
    handler = RecordingHandler(data_reply="451 4.3.0 Try again later")
    with smtp_server(handler) as server:
        worker_app.config["SMTP_URL"] = server.url
        # Called in-process, Celery's retry re-raises the error instead of scheduling a retry.
        with pytest.raises(TransientMailError, match="451"):
            deliver(outbox_id)
    row = stored(worker_app, OutboxMessage, outbox_id)
    assert row.status is OutboxStatus.PENDING and row.attempts == 1
    assert "451" in (row.last_error or "") and row.payload["reset_url"] == LINK


def test_deliver_stops_retrying_after_the_last_attempt(worker_app: Flask) -> None:
    worker_app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    outbox_id = add_email(worker_app, attempts=2)
    handler = RecordingHandler(data_reply="451 4.3.0 Try again later")
    with smtp_server(handler) as server:
        worker_app.config["SMTP_URL"] = server.url
        assert deliver(outbox_id) == "failed"
    row = stored(worker_app, OutboxMessage, outbox_id)
    assert row.status is OutboxStatus.FAILED and row.attempts == 3


def test_sweep_picks_only_missed_and_stale_rows(app: Flask) -> None:
    now = utcnow()
    old = now - timedelta(minutes=5)
    ancient = now - REPUBLISH_AFTER - timedelta(minutes=1)
    dead = now - STALE_CLAIM - timedelta(minutes=1)
    sending, sent = OutboxStatus.SENDING, OutboxStatus.SENT
    due = {
        add_email(app, created_at=old),  # the broker never got it
        add_email(app, created_at=ancient, claimed_at=ancient, attempts=1),  # its retry was lost
        add_email(app, created_at=ancient, published_at=ancient),  # republished long ago
        add_email(app, created_at=old, status=sending, claimed_at=dead, attempts=1),  # worker died
    }
    add_email(app)  # just committed: the after-commit publish has it in hand
    add_email(app, created_at=old, claimed_at=now, attempts=1)  # waiting for its retry
    add_email(app, created_at=old, published_at=now)  # the sweep republished it just now
    add_email(app, created_at=old, status=sending, claimed_at=now, attempts=1)  # being sent
    add_email(app, created_at=ancient, status=sent, claimed_at=dead, sent_at=dead)
    add_email(app, created_at=ancient, status=OutboxStatus.FAILED, claimed_at=dead)
    with app.app_context():
        assert set(due_for_sweep(60)) == due


def test_sweep_task_republishes_then_waits(worker_app: Flask) -> None:
    missed = add_email(worker_app, created_at=utcnow() - timedelta(minutes=10))
    add_email(worker_app)
    before = len(broker_messages(worker_app))
    assert sweep() == 1
    assert len(broker_messages(worker_app)) == before + 1
    assert stored(worker_app, OutboxMessage, missed).published_at is not None
    assert sweep() == 0  # not again until REPUBLISH_AFTER has passed
    with worker_app.app_context():
        statuses = set(db.session.scalars(select(OutboxMessage.status)))
    assert statuses == {OutboxStatus.PENDING}
