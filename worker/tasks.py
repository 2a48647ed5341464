"""Background tasks. Each takes ids only; it, or the command it runs, owns the transaction."""

from __future__ import annotations

from typing import Any, NoReturn

from celery import shared_task
from celery.utils.log import get_task_logger
from flask import current_app

from recruit.extensions import db
from recruit.notifications.mail import send_message as send_email
from recruit.outbox.delivery import Verdict, deliver_one, retry_delay
from recruit.outbox.republish import republish
from recruit.outbox.status import prune_heartbeats, record_heartbeat
from recruit.outbox.store import due_for_sweep
from recruit.services.closing import close_due_vacancies
from recruit.services.reminders import remind_drafts as remind_due_drafts
from recruit.tasknames import (
    CLOSE_DUE_TASK,
    DELIVER_TASK,
    HEARTBEAT_TASK,
    OUTBOX_SWEEP_TASK,
    PURGE_SESSIONS_TASK,
    REMIND_DRAFTS_TASK,
)
from recruit.web.sessions import purge_expired as purge_expired_sessions

# A database outage is retried this often, at most this far apart, before the sweep takes over.
DATABASE_RETRIES = 10
DATABASE_RETRY_CAP = 60.0

# The task logger's format carries the task name and id on every line.
log = get_task_logger(__name__)


@shared_task(name=DELIVER_TASK, bind=True, max_retries=None, acks_late=True)  # type: ignore[untyped-decorator]
def deliver(self: Any, outbox_id: int) -> str:
    """Deliver one outbox row (`recruit.outbox.delivery`); turn a retry outcome into a retry."""
    outcome = deliver_one(outbox_id, lambda message: send_email(message, outbox_id))
    if outcome.verdict is Verdict.RETRY:
        raise self.retry(countdown=outcome.retry_after, exc=outcome.error)
    if outcome.verdict is Verdict.UNAVAILABLE:
        retry_database(self, outbox_id, outcome.error)
    if outcome.verdict is Verdict.SENT:
        origin = getattr(self.request, "request_id", None) or "-"
        log.info("outbox %s sent (%s) request_id=%s", outbox_id, outcome.detail, origin)
    return outcome.label


def retry_database(task: Any, outbox_id: int, error: Exception | None) -> NoReturn:
    """Retry after a database outage, a bounded number of times; then fail, for the sweep."""
    assert error is not None
    if task.request.retries >= DATABASE_RETRIES:
        log.error("outbox %s: database unavailable; left to the sweep", outbox_id)
        raise error
    delay = min(DATABASE_RETRY_CAP, retry_delay(task.request.retries + 1))
    log.warning("outbox %s: database unavailable, retry in %.0fs: %s", outbox_id, delay, error)
    raise task.retry(countdown=delay, exc=error, max_retries=DATABASE_RETRIES)


@shared_task(name=OUTBOX_SWEEP_TASK, bind=True)  # type: ignore[untyped-decorator]
def sweep(self: Any) -> int:
    """Hand the broker every outbox row it appears to have lost; return how many went."""
    # Twice the sweep interval: the after-commit publish has had ample time to deliver.
    older_than = 2 * float(current_app.config["OUTBOX_SWEEP_SECONDS"])
    published = republish(DELIVER_TASK, due_for_sweep(older_than))
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
