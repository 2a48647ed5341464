"""Delivering outbox rows: the policy behind the `recruit.outbox.deliver` and `deliver_batch`
tasks.

`deliver_one` claims the row, applies the attempt ceiling, commits the claim before the slow
network call, sends, and records what happened. A row that is work rather than an email (a
reset request, a webhook event, a submission notice: one table, `WORK_KINDS`) is acted on and
marked sent in the claim's own transaction: nothing leaves the database, so there is nothing to
commit first. If the action raises, it is rolled back with its claim and the attempt is then
counted on its own, so a bad row reaches the attempt ceiling (failed) instead of being handed
over for ever.
It answers with an `Outcome`; the task only turns that into a return value or a Celery retry.
The sending itself is passed in, so this module decides what to do and the worker decides how
email leaves.

`deliver_batch` does the same for a run of rows with one database commit per email instead of
two: the record that email N went out rides in the transaction that claims email N+1, which
commits before N+1 leaves. So a sent email is still recorded before anything else is sent, and
each claim is still committed before its network call.

Like a CLI command or a task, this command owns its transaction: it commits.
"""

from __future__ import annotations

import enum
import functools
import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, cast

from flask import current_app
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from recruit.extensions import db
from recruit.models import OutboxMessage
from recruit.notifications.mail import PermanentMailError, TransientMailError, build_message
from recruit.outbox.store import (
    MAX_RETRY_DELAY,
    claim,
    mark_failed,
    mark_retry,
    record_sent,
)
from recruit.services.resets import fulfil_reset_request, is_reset_request
from recruit.services.submission_notices import announce, is_submission_notice
from recruit.webhooks.fanout import is_webhook_event, record_event

# The database went away (restart, failover, network): worth trying again shortly.
DATABASE_ERRORS = (OperationalError, InterfaceError)
# After the email has left, how long to keep trying to record that it did (about a minute).
SENT_RECORD_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)

Send = Callable[[EmailMessage], None]
# Sends one row's email; the id names the `.eml` file when there is no SMTP server.
SendRow = Callable[[EmailMessage, int], None]
# An email that has left but whose "sent" is not committed yet: its id and payload.
Unrecorded = tuple[int, dict[str, Any]]

log = logging.getLogger(__name__)


class Verdict(enum.Enum):
    """What became of one delivery."""

    SENT = "sent"
    ALREADY_DONE = "skipped"  # sent, failed or being sent by another worker
    FAILED = "failed"  # given up for good; an admin can retry it
    RESET = "reset"  # a password-reset request acted on
    RETRY = "retry"  # the mail server may accept it later: try again after `retry_after`
    UNAVAILABLE = "unavailable"  # the database went away; nothing new was recorded


@dataclass(frozen=True)
class Outcome:
    """A verdict with what the task needs to act on it."""

    verdict: Verdict
    detail: str = ""  # the template sent, or what a reset request did
    retry_after: float = 0.0
    error: Exception | None = None

    @property
    def label(self) -> str:
        """What the task returns: 'sent', 'skipped', 'failed' or 'reset <what it did>'."""
        if self.verdict is Verdict.RESET:
            return f"reset {self.detail}"
        return str(self.verdict.value)


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter, capped, so a recovering SMTP server is not stampeded."""
    ceiling = float(min(MAX_RETRY_DELAY, 2**attempts))
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - spreading retries, not security


def deliver_one(outbox_id: int, send: Send) -> Outcome:
    """Claim, check the attempt ceiling, commit, send with `send` and record; never resends a
    row that is recorded as sent."""
    try:
        return _deliver(outbox_id, send)
    except DATABASE_ERRORS as exc:
        # Nothing was marked sent, so trying again is safe; a row left "sending" by a send
        # that did go out is picked up again only after STALE_CLAIM, with the same Message-ID.
        db.session.rollback()
        return Outcome(Verdict.UNAVAILABLE, error=exc)


def _deliver(outbox_id: int, send: Send) -> Outcome:
    outcome, unrecorded = _claim_and_send(outbox_id, send, None)
    if unrecorded is not None:
        commit_sent(*unrecorded)
    return outcome


def _claim_and_send(
    outbox_id: int, send: Send, unrecorded: Unrecorded | None
) -> tuple[Outcome, Unrecorded | None]:
    """Deliver one row, committing `unrecorded` with its claim; what it sent is left to record."""
    if unrecorded is not None:
        record_sent(*unrecorded)  # committed with this claim, before this row's email leaves
    row = claim(outbox_id)
    if row is None:
        db.session.commit()  # only `unrecorded`, if any: the claim changed nothing
        log.info("outbox %s skipped: already sent, failed or in progress", outbox_id)
        return Outcome(Verdict.ALREADY_DONE), None
    max_attempts = int(current_app.config["OUTBOX_MAX_ATTEMPTS"])
    if row.attempts > max_attempts:  # a worker died on it again and again
        return give_up(row, f"gave up after {max_attempts} attempts"), None
    kind = work_kind(row)
    if kind is not None:
        return act_on_work(outbox_id, row, kind, max_attempts), None
    # Read now: after the claim's commit the row is expired, and reloading it would need the
    # database, which may be gone by the time the email has left.
    sent = (outbox_id, dict(row.payload or {}))
    outcome = send_email(row, max_attempts, send)
    return outcome, (sent if outcome.verdict is Verdict.SENT else None)


@dataclass
class Batch:
    """What `deliver_batch` did: each row's outcome, and the rows it had to leave."""

    outcomes: list[tuple[int, Outcome]] = field(default_factory=list)
    unavailable: list[int] = field(default_factory=list)  # not done: the database went away
    error: Exception | None = None  # why, when `unavailable` is not empty
    left: list[int] = field(default_factory=list)  # not tried: the batch ran out of time


def deliver_batch(outbox_ids: Sequence[int], send: SendRow, budget: float = 120.0) -> Batch:
    """Deliver each row in turn, as `deliver_one` would, with one commit per email; stop
    when the database goes away or after `budget` seconds, saying which rows are left."""
    try:
        with one_connection():
            return _run_batch(outbox_ids, send, time.monotonic() + budget)
    except DATABASE_ERRORS as exc:
        # Lost outside a row's own step (connecting, or recording an email that had left): every
        # row is handed back for the caller's retry, and those already done are skipped then
        # by their claims.
        return Batch(unavailable=list(outbox_ids), error=exc)


def _run_batch(outbox_ids: Sequence[int], send: SendRow, deadline: float) -> Batch:
    batch = Batch()
    unrecorded: Unrecorded | None = None
    try:
        for position, outbox_id in enumerate(outbox_ids):
            if position and time.monotonic() > deadline:
                batch.left = list(outbox_ids[position:])
                break
            try:
                outcome, unrecorded = _claim_and_send(
                    outbox_id, functools.partial(_send_row, send, outbox_id), unrecorded
                )
            except DATABASE_ERRORS as exc:
                db.session.rollback()
                batch.unavailable, batch.error = list(outbox_ids[position:]), exc
                break
            batch.outcomes.append((outbox_id, outcome))
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if unrecorded is not None:  # recording it again is harmless if it did commit
            commit_sent(*unrecorded)
    return batch


@contextmanager
def one_connection() -> Iterator[None]:
    """Run `db.session` on one pooled connection until the block ends.

    Each commit hands the session's connection back to the pool, and each checkout pings the
    server first (`pool_pre_ping`): two extra round trips per email in a batch. A connection
    that breaks is replaced on its next use, after the rollback, from the pool as usual.
    """
    db.session.remove()
    with db.engine.connect() as connection:
        # A plain session: Flask-SQLAlchemy's own would pick the engine, not this connection.
        db.session.registry.set(cast(Any, Session(bind=connection)))
        try:
            yield
        finally:
            db.session.remove()


def _send_row(send: SendRow, outbox_id: int, message: EmailMessage) -> None:
    send(message, outbox_id)


def send_email(row: OutboxMessage, max_attempts: int, send: Send) -> Outcome:
    """Render the claimed row, commit the claim and send it; on SENT the caller commits that it
    went (`commit_sent`, or `record_sent` with the next claim)."""
    # Read what is needed now: after the commit below the row is expired, and reloading it
    # would need the database, which may be gone by the time the email has left.
    outbox_id, attempts, template = row.id, row.attempts, row.template
    try:
        message = build_message(row)
        db.session.commit()  # the claim is visible to others before the slow network call
        send(message)
    except PermanentMailError as exc:
        return give_up(row, str(exc))
    except TransientMailError as exc:
        return retry_or_give_up(row, (outbox_id, attempts), str(exc), exc, max_attempts)
    return Outcome(Verdict.SENT, detail=template)


def retry_or_give_up(
    row: OutboxMessage, tried: tuple[int, int], error: str, exc: Exception, max_attempts: int
) -> Outcome:
    """After a failed attempt (`tried`: the row's id and attempt count, read before the row
    expired), give the row back for a later try, or give up at the ceiling; and commit."""
    outbox_id, attempts = tried
    if attempts >= max_attempts:
        return give_up(row, f"{error} (attempt {attempts} of {max_attempts})")
    mark_retry(row, error)
    db.session.commit()
    delay = retry_delay(attempts)
    log.warning("outbox %s will retry in %.0fs: %s", outbox_id, delay, error)
    return Outcome(Verdict.RETRY, retry_after=delay, error=exc)


def commit_sent(outbox_id: int, payload: dict[str, Any]) -> None:
    """Commit that the email went out, waiting out a short database outage.

    The email has left: if this record were lost, the row would stay "sending" and be sent
    again once its claim went stale. So keep trying for about a minute before giving up.
    """
    for attempt, delay in enumerate((0.0, *SENT_RECORD_DELAYS)):
        time.sleep(delay)
        try:
            record_sent(outbox_id, payload)
            db.session.commit()
            return
        except DATABASE_ERRORS as exc:
            db.session.rollback()
            if attempt == len(SENT_RECORD_DELAYS):
                raise
            log.warning("outbox %s sent but not recorded yet (%s); retrying", outbox_id, exc)


@dataclass(frozen=True)
class WorkKind:
    """Outbox rows that are work for the worker rather than an email: how to tell them, and
    what to do with one."""

    name: str  # for the log and the row's last error
    matches: Callable[[OutboxMessage], bool]
    # Acts on the claimed row and marks it sent; says what it did. The caller commits.
    act: Callable[[OutboxMessage], str]
    verdict: Verdict = Verdict.SENT


def _record_webhook_event(row: OutboxMessage) -> str:
    endpoints = record_event(row)
    return f"webhook {row.template} to {endpoints} endpoints"


def _announce_submission(row: OutboxMessage) -> str:
    return f"submission {announce(row)}"


# A reset request may queue a reset email; a webhook event becomes its deliveries; a submission
# notice becomes the submit's emails and event. Each new row is published when the commit lands.
WORK_KINDS: tuple[WorkKind, ...] = (
    WorkKind("reset request", is_reset_request, fulfil_reset_request, Verdict.RESET),
    WorkKind("webhook event", is_webhook_event, _record_webhook_event),
    WorkKind("submission notice", is_submission_notice, _announce_submission),
)


def work_kind(row: OutboxMessage) -> WorkKind | None:
    """The kind of work this row is, or None for an email."""
    return next((kind for kind in WORK_KINDS if kind.matches(row)), None)


def act_on_work(outbox_id: int, row: OutboxMessage, kind: WorkKind, max_attempts: int) -> Outcome:
    """Act on a claimed work row and commit, in the claim's own transaction.

    An action that raises is rolled back with its claim; the row is then claimed again, which
    counts the attempt, and handled as an email whose server failed: back for a later try, or
    failed at the attempt ceiling for an admin to look at. A lost database is the caller's.
    """
    try:
        detail = kind.act(row)
        db.session.commit()
    except DATABASE_ERRORS:
        raise
    except Exception as exc:  # a bug or a bad row: it must not be handed over for ever
        db.session.rollback()
        log.exception("outbox %s: %s failed", outbox_id, kind.name)
        return _work_failed(outbox_id, kind, exc, max_attempts)
    log.info("%s %s: %s", kind.name, outbox_id, detail)
    return Outcome(kind.verdict, detail=detail)


def _work_failed(outbox_id: int, kind: WorkKind, exc: Exception, max_attempts: int) -> Outcome:
    again = claim(outbox_id)
    if again is None:  # another worker has it now
        db.session.commit()
        return Outcome(Verdict.ALREADY_DONE)
    error = f"{kind.name} failed: {type(exc).__name__}: {exc}"
    return retry_or_give_up(again, (outbox_id, again.attempts), error, exc, max_attempts)


def give_up(row: OutboxMessage, error: str) -> Outcome:
    """Mark the row failed for good and commit."""
    mark_failed(row, error)
    db.session.commit()
    log.error("outbox %s failed permanently: %s", row.id, error)
    return Outcome(Verdict.FAILED, detail=error)
