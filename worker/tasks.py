"""Background tasks. Each takes ids only and owns its transaction."""

from __future__ import annotations

import random
import time
from typing import Any

from celery import shared_task
from celery.utils.log import get_task_logger
from flask import current_app
from sqlalchemy.exc import InterfaceError, OperationalError

from recruit.extensions import db
from recruit.mail import PermanentMailError, TransientMailError, build_message
from recruit.mail import send_message as send_email
from recruit.models import OutboxMessage
from recruit.outbox.status import prune_heartbeats, record_heartbeat
from recruit.outbox.store import (
    DELIVER_TASK,
    MAX_RETRY_DELAY,
    SWEEP_TASK,
    claim,
    due_for_sweep,
    mark_failed,
    mark_republished,
    mark_retry,
    record_sent,
)
from recruit.services.closing import close_due_vacancies
from recruit.services.reminders import remind_drafts as remind_due_drafts
from recruit.services.resets import fulfil_reset_request, is_reset_request
from recruit.web.sessions import purge_expired as purge_expired_sessions

CLOSE_DUE_TASK = "recruit.vacancies.close_due"
REMIND_DRAFTS_TASK = "recruit.applications.remind_drafts"
HEARTBEAT_TASK = "recruit.worker.heartbeat"
PURGE_SESSIONS_TASK = "recruit.sessions.purge"

# The database went away (restart, failover, network): worth trying again shortly.
DATABASE_ERRORS = (OperationalError, InterfaceError)
DATABASE_RETRIES = 10
DATABASE_RETRY_CAP = 60.0
SENT_RECORD_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)

# The task logger's format carries the task name and id on every line.
log = get_task_logger(__name__)


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter, capped, so a recovering SMTP server is not stampeded."""
    ceiling = float(min(MAX_RETRY_DELAY, 2**attempts))
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - spreading retries, not security


@shared_task(name=DELIVER_TASK, bind=True, max_retries=None, acks_late=True)  # type: ignore[untyped-decorator]
def deliver(self: Any, outbox_id: int) -> str:
    """Send one outbox email; retry transient failures with backoff, give up on permanent ones."""
    try:
        return send_row(self, outbox_id)
    except DATABASE_ERRORS as exc:
        # Nothing was marked sent, so trying again is safe; a row left "sending" by a send
        # that did go out is picked up again only after STALE_CLAIM, with the same Message-ID.
        db.session.rollback()
        if self.request.retries >= DATABASE_RETRIES:
            log.error("outbox %s: database unavailable; left to the sweep", outbox_id)
            raise
        delay = min(DATABASE_RETRY_CAP, retry_delay(self.request.retries + 1))
        log.warning("outbox %s: database unavailable, retry in %.0fs: %s", outbox_id, delay, exc)
        raise self.retry(countdown=delay, exc=exc, max_retries=DATABASE_RETRIES) from exc


def send_row(task: Any, outbox_id: int) -> str:
    """Claim, render and send one row, recording the outcome; the body of `deliver`."""
    row = claim(outbox_id)
    if row is None:
        db.session.rollback()
        log.info("outbox %s skipped: already sent, failed or in progress", outbox_id)
        return "skipped"
    max_attempts = int(current_app.config["OUTBOX_MAX_ATTEMPTS"])
    if row.attempts > max_attempts:  # a worker died on it again and again
        return give_up(row, f"gave up after {max_attempts} attempts")
    if is_reset_request(row):
        return reset_requested(outbox_id, row)
    # Read what is needed now: after the commit below the row is expired, and reloading it
    # would need the database, which may be gone by the time the email has left.
    attempts, template, payload = row.attempts, row.template, dict(row.payload or {})
    try:
        message = build_message(row)
        db.session.commit()  # the claim is visible to others before the slow network call
        send_email(message, outbox_id)
    except PermanentMailError as exc:
        return give_up(row, str(exc))
    except TransientMailError as exc:
        if attempts >= max_attempts:
            return give_up(row, f"{exc} (attempt {attempts} of {max_attempts})")
        mark_retry(row, str(exc))
        db.session.commit()
        delay = retry_delay(attempts)
        log.warning("outbox %s will retry in %.0fs: %s", outbox_id, delay, exc)
        raise task.retry(countdown=delay, exc=exc) from exc
    commit_sent(outbox_id, payload)
    origin = getattr(task.request, "request_id", None) or "-"
    log.info("outbox %s sent (%s) request_id=%s", outbox_id, template, origin)
    return "sent"


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


def reset_requested(outbox_id: int, row: OutboxMessage) -> str:
    """Act on a password-reset request: maybe queue a reset email, then commit.

    The request row rides the outbox (published after commit, swept, retried) like an email;
    the reset email it leads to is a new outbox row, published when this commit lands.
    """
    outcome = fulfil_reset_request(row)
    db.session.commit()
    log.info("reset request %s: %s", outbox_id, outcome)
    return f"reset {outcome}"


def give_up(row: OutboxMessage, error: str) -> str:
    """Mark the row failed for good and commit."""
    mark_failed(row, error)
    db.session.commit()
    log.error("outbox %s failed permanently: %s", row.id, error)
    return "failed"


@shared_task(name=SWEEP_TASK, bind=True)  # type: ignore[untyped-decorator]
def sweep(self: Any) -> int:
    """Hand the broker every outbox row it appears to have lost; return how many went."""
    # Twice the sweep interval: the after-commit publish has had ample time to deliver.
    older_than = 2 * float(current_app.config["OUTBOX_SWEEP_SECONDS"])
    published: list[int] = []
    for outbox_id in due_for_sweep(older_than):
        try:
            deliver.apply_async(args=(outbox_id,), retry=False)
        except Exception as exc:  # broker down: stop now, the next sweep tries again
            log.warning("sweep stopped at outbox %s: %s", outbox_id, exc)
            break
        published.append(outbox_id)
    mark_republished(published)
    db.session.commit()
    if published:
        log.info("sweep republished outbox rows %s", published)
    return len(published)


@shared_task(name=CLOSE_DUE_TASK, bind=True)  # type: ignore[untyped-decorator]
def close_due(self: Any) -> int:
    """Close published vacancies whose closing time has passed; return how many closed."""
    closed = close_due_vacancies()
    db.session.commit()
    if closed:
        log.info("closed vacancies %s", closed)
    return len(closed)


@shared_task(name=REMIND_DRAFTS_TASK, bind=True)  # type: ignore[untyped-decorator]
def remind_drafts(self: Any) -> int:
    """Remind candidates once about a draft whose vacancy closes within 24 hours."""
    reminded = remind_due_drafts()
    db.session.commit()
    if reminded:
        log.info("reminded drafts %s", reminded)
    return len(reminded)


@shared_task(name=HEARTBEAT_TASK, bind=True, ignore_result=True)  # type: ignore[untyped-decorator]
def heartbeat(self: Any) -> str:
    """Record that this worker is alive and taking tasks from the broker."""
    worker = str(self.request.hostname or "unknown")
    record_heartbeat(worker)
    prune_heartbeats()
    db.session.commit()
    return worker


@shared_task(name=PURGE_SESSIONS_TASK, bind=True)  # type: ignore[untyped-decorator]
def purge_sessions(self: Any) -> int:
    """Delete web sessions past their idle or absolute limit; return how many went."""
    # The session store commits on its own connection, as it does for every request.
    purged = purge_expired_sessions(current_app)
    if purged:
        log.info("purged %s expired sessions", purged)
    return purged


__all__ = [
    "CLOSE_DUE_TASK",
    "HEARTBEAT_TASK",
    "PURGE_SESSIONS_TASK",
    "REMIND_DRAFTS_TASK",
    "close_due",
    "deliver",
    "heartbeat",
    "purge_sessions",
    "remind_drafts",
    "sweep",
]
