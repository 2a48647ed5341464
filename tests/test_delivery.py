"""The delivery command: `deliver_one` claims, commits before the network, sends and records.

It runs here in this process as the worker's task runs it, with the real sender (the `.eml`
folder or a real SMTP server). The sender handed in also looks at the row from a connection
of its own, to see what other workers would see while the email is on its way.
"""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text, update

from recruit import create_app
from recruit.extensions import db
from recruit.models import OutboxMessage, OutboxStatus
from recruit.notifications.mail import TransientMailError, send_message
from recruit.outbox.delivery import Outcome, Verdict, deliver_batch, deliver_one
from recruit.outbox.store import enqueue_email
from recruit.services.resets import record_reset_request
from recruit.services.submission_notices import NOTICE_KIND, NOTICE_TEMPLATE
from tests.support.smtp import RecordingHandler, smtp_server
from worker.tasks import deliver_in_lanes

LINK = "http://recruit.test/reset-password?token=secret-token"

Seen = list[tuple[OutboxStatus, int]]


def add_email(app: Flask, **fields: Any) -> int:
    """Commit a password-reset email, optionally adjusting its columns; return its id."""
    with app.app_context():
        row = enqueue_email(
            "password_reset", "amara@example.org", full_name="Amara", reset_url=LINK
        )
        db.session.commit()
        if fields:
            db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id).values(**fields)
            )
            db.session.commit()
        return row.id


def watching_sender(outbox_id: int, seen: Seen) -> Callable[[EmailMessage], None]:
    """The real sender, first noting the row's status and attempts as another worker sees it."""

    def send(message: EmailMessage) -> None:
        with db.engine.connect() as other:
            status, attempts = other.execute(
                select(OutboxMessage.status, OutboxMessage.attempts).where(
                    OutboxMessage.id == outbox_id
                )
            ).one()
        seen.append((status, attempts))
        send_message(message, outbox_id)

    return send


def deliver(app: Flask, outbox_id: int, seen: Seen) -> Outcome:
    """Run the command once, as the task does."""
    with app.app_context():
        return deliver_one(outbox_id, watching_sender(outbox_id, seen))


def stored(app: Flask, outbox_id: int) -> tuple[OutboxStatus, int, dict[str, Any]]:
    """The row's status, attempts and payload now."""
    with app.app_context():
        row = db.session.get(OutboxMessage, outbox_id)
        assert row is not None
        return row.status, row.attempts, dict(row.payload or {})


def test_the_claim_is_committed_before_the_email_leaves_and_sent_is_recorded(app: Flask) -> None:
    outbox_id = add_email(app)
    seen: Seen = []
    outcome = deliver(app, outbox_id, seen)
    assert (outcome.verdict, outcome.detail, outcome.label) == (
        Verdict.SENT,
        "password_reset",
        "sent",
    )
    assert seen == [(OutboxStatus.SENDING, 1)]  # others saw the claim while it was sent
    assert (Path(app.config["MAIL_DIR"]) / f"{outbox_id}.eml").is_file()
    assert stored(app, outbox_id) == (OutboxStatus.SENT, 1, {"full_name": "Amara"})


def test_a_row_already_sent_is_not_sent_again(app: Flask) -> None:
    outbox_id = add_email(app)
    seen: Seen = []
    deliver(app, outbox_id, seen)
    again = deliver(app, outbox_id, seen)
    assert (again.verdict, again.label) == (Verdict.ALREADY_DONE, "skipped")
    assert len(seen) == 1


def test_a_transient_refusal_asks_for_a_retry_with_backoff(app: Flask) -> None:
    outbox_id = add_email(app)
    seen: Seen = []
    with smtp_server(RecordingHandler(data_reply="451 4.3.0 Try again later")) as server:
        app.config["SMTP_URL"] = server.url
        outcome = deliver(app, outbox_id, seen)
    assert outcome.verdict is Verdict.RETRY
    assert isinstance(outcome.error, TransientMailError) and "451" in str(outcome.error)
    assert 1.0 <= outcome.retry_after <= 2.0  # 2**1 seconds after the first try, with jitter
    status, attempts, payload = stored(app, outbox_id)
    assert (status, attempts, payload["reset_url"]) == (OutboxStatus.PENDING, 1, LINK)


def test_the_attempt_ceiling_fails_the_row_without_sending(app: Flask) -> None:
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    outbox_id = add_email(app, attempts=3)
    seen: Seen = []
    outcome = deliver(app, outbox_id, seen)
    assert (outcome.verdict, outcome.label) == (Verdict.FAILED, "failed")
    assert outcome.detail == "gave up after 3 attempts"
    assert seen == []
    status, attempts, payload = stored(app, outbox_id)
    assert (status, attempts, "reset_url" in payload) == (OutboxStatus.FAILED, 4, False)


def test_a_reset_request_is_acted_on_and_sends_nothing_itself(app: Flask) -> None:
    with app.app_context():
        request = record_reset_request("nobody.here@example.org")
        db.session.commit()
        outbox_id = request.id
    seen: Seen = []
    outcome = deliver(app, outbox_id, seen)
    assert (outcome.verdict, outcome.detail, outcome.label) == (
        Verdict.RESET,
        "unknown",
        "reset unknown",
    )
    assert seen == []
    assert stored(app, outbox_id)[0] is OutboxStatus.SENT


def statuses(app: Flask, ids: list[int]) -> list[OutboxStatus]:
    """Each row's status, as another connection sees it, in the order of `ids`."""
    with db.engine.connect() as other:
        found = dict(
            other.execute(
                select(OutboxMessage.id, OutboxMessage.status).where(OutboxMessage.id.in_(ids))
            ).all()
        )
    return [found[i] for i in ids]


def test_a_batch_records_each_email_sent_before_the_next_one_leaves(app: Flask) -> None:
    first, done, second = add_email(app), add_email(app, status=OutboxStatus.SENT), add_email(app)
    with app.app_context():
        request = record_reset_request("nobody.here@example.org")
        db.session.commit()
        reset = request.id
    ids = [first, done, reset, second]
    seen: list[tuple[int, list[OutboxStatus]]] = []

    def send(message: EmailMessage, outbox_id: int) -> None:
        seen.append((outbox_id, statuses(app, ids)))
        send_message(message, outbox_id)

    with app.app_context():
        batch = deliver_batch(ids, send)
    assert [(i, o.label) for i, o in batch.outcomes] == [
        (first, "sent"),
        (done, "skipped"),
        (reset, "reset unknown"),
        (second, "sent"),
    ]
    assert (batch.unavailable, batch.left) == ([], [])
    sending, sent = OutboxStatus.SENDING, OutboxStatus.SENT
    assert seen == [
        (first, [sending, sent, OutboxStatus.PENDING, OutboxStatus.PENDING]),
        (second, [sent, sent, sent, sending]),  # the first recorded before this one left
    ]
    with app.app_context():
        assert statuses(app, ids) == [sent] * 4
        assert stored(app, second) == (sent, 1, {"full_name": "Amara"})
    assert sorted(p.name for p in Path(app.config["MAIL_DIR"]).glob("*.eml")) == sorted(
        f"{i}.eml" for i in (first, second)
    )


def test_a_batch_leaves_each_refused_email_for_its_own_retry(app: Flask) -> None:
    ids = [add_email(app), add_email(app)]
    with smtp_server(RecordingHandler(data_reply="451 4.3.0 Try again later")) as server:
        app.config["SMTP_URL"] = server.url
        with app.app_context():
            batch = deliver_batch(ids, send_message)
    assert [(i, o.verdict) for i, o in batch.outcomes] == [(i, Verdict.RETRY) for i in ids]
    assert all(1.0 <= o.retry_after <= 2.0 for _, o in batch.outcomes)
    assert [stored(app, i)[:2] for i in ids] == [(OutboxStatus.PENDING, 1)] * 2


def test_a_batch_out_of_time_hands_back_the_rows_it_did_not_try(app: Flask) -> None:
    ids = [add_email(app) for _ in range(3)]
    with app.app_context():
        batch = deliver_batch(ids, send_message, budget=0.0)
    assert [(i, o.label) for i, o in batch.outcomes] == [(ids[0], "sent")]
    assert batch.left == ids[1:]
    assert [stored(app, i)[:2] for i in ids[1:]] == [(OutboxStatus.PENDING, 0)] * 2


def test_a_database_gone_mid_batch_still_records_the_email_that_left(
    app: Flask, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("needs a server connection to cut")
    ids = [add_email(app) for _ in range(3)]

    def send(message: EmailMessage, outbox_id: int) -> None:
        send_message(message, outbox_id)
        # The connection the batch commits on dies after the first email has left.
        pid = db.session.execute(text("select pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:
            other.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid})

    with app.app_context():
        batch = deliver_batch(ids, send)
    assert [(i, o.label) for i, o in batch.outcomes] == [(ids[0], "sent")]
    assert batch.unavailable == ids[1:] and batch.error is not None
    assert stored(app, ids[0])[:2] == (OutboxStatus.SENT, 1)  # recorded on a new connection
    assert [stored(app, i)[:2] for i in ids[1:]] == [(OutboxStatus.PENDING, 0)] * 2


def test_lanes_that_cannot_reach_the_database_hand_every_row_back_for_the_retry(
    app_config: dict[str, Any], backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("needs a server address that refuses connections")
    # Nothing listens on port 9: connecting is refused, as while PostgreSQL restarts.
    offline = create_app({**app_config, "DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:9/x"})
    with offline.app_context():
        batch, failure = deliver_in_lanes([11, 12, 13], 2)
        db.engine.dispose()
    # Not raised (which would leave the rows to the sweep): handed back for the batch's retry.
    assert failure is None
    assert sorted(batch.unavailable) == [11, 12, 13] and batch.outcomes == []
    assert batch.error is not None


def add_notice(app: Flask, payload: dict[str, Any], attempts: int = 0) -> int:
    """Commit a submission notice with `payload` (as the submit writes one); return its id."""
    with app.app_context():
        row = OutboxMessage(
            kind=NOTICE_KIND,
            template=NOTICE_TEMPLATE,
            recipient="",
            payload=payload,
            status=OutboxStatus.PENDING,
            attempts=attempts,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def last_error(app: Flask, outbox_id: int) -> str:
    """The error kept on the row."""
    with app.app_context():
        row = db.session.get(OutboxMessage, outbox_id)
        assert row is not None
        return row.last_error or ""


def test_work_that_fails_counts_an_attempt_and_waits_for_the_sweep(app: Flask) -> None:
    # A notice no submit could write: acting on it raises. Before, the claim's attempt was
    # rolled back with the action, so the sweep handed the row over again and again, forever.
    outbox_id = add_notice(app, {"application_id": "not-a-number"})
    seen: Seen = []
    outcome = deliver(app, outbox_id, seen)
    assert outcome.verdict is Verdict.RETRY
    assert isinstance(outcome.error, ValueError)
    status, attempts, _ = stored(app, outbox_id)
    assert (status, attempts, seen) == (OutboxStatus.PENDING, 1, [])
    assert "submission notice failed: ValueError" in last_error(app, outbox_id)
    again = deliver(app, outbox_id, seen)
    assert (again.verdict, stored(app, outbox_id)[:2]) == (Verdict.RETRY, (OutboxStatus.PENDING, 2))


def test_work_that_keeps_failing_is_given_up_at_the_attempt_ceiling(app: Flask) -> None:
    ceiling = int(app.config["OUTBOX_MAX_ATTEMPTS"])
    outbox_id = add_notice(app, {"application_id": "not-a-number"}, attempts=ceiling - 1)
    outcome = deliver(app, outbox_id, [])
    assert outcome.verdict is Verdict.FAILED
    assert outcome.detail.startswith("submission notice failed: ValueError")
    assert stored(app, outbox_id)[:2] == (OutboxStatus.FAILED, ceiling)


def test_work_whose_row_is_gone_is_acted_on_once(app: Flask) -> None:
    # An application erased before its notice is acted on: nothing to announce, the row is done.
    outbox_id = add_notice(app, {"application_id": 987654})
    outcome = deliver(app, outbox_id, [])
    assert (outcome.verdict, outcome.detail) == (Verdict.SENT, "submission gone")
    assert stored(app, outbox_id)[:2] == (OutboxStatus.SENT, 1)
    assert deliver(app, outbox_id, []).verdict is Verdict.ALREADY_DONE
