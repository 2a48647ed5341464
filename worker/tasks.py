"""Background tasks. Each takes ids only; it, or the command it runs, owns the transaction."""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

from celery import shared_task
from celery.signals import worker_process_shutdown
from celery.utils.log import get_task_logger
from flask import current_app

from recruit.extensions import db
from recruit.notifications.mail import send_message as send_email
from recruit.notifications.smtp_pool import CONNECTIONS
from recruit.outbox.delivery import Batch, Verdict, deliver_batch, deliver_one, retry_delay
from recruit.outbox.republish import republish
from recruit.outbox.status import prune_heartbeats, record_heartbeat
from recruit.outbox.store import due_for_sweep
from recruit.services import api_idempotency
from recruit.services.closing import close_due_vacancies
from recruit.services.reminders import remind_drafts as remind_due_drafts
from recruit.tasknames import (
    CLOSE_DUE_TASK,
    DELIVER_BATCH_TASK,
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

# A batch's rows go out on this many threads at once, each with its own database and SMTP
# connection: a delivery spends most of its time waiting on round trips, which lanes overlap.
BATCH_LANES = 4

# The task logger's format carries the task name and id on every line.
log = get_task_logger(__name__)


def close_smtp_connections(**kwargs: Any) -> None:
    """Say goodbye to the SMTP server as a pool process exits (they skip `atexit`)."""
    CONNECTIONS.close_all()


worker_process_shutdown.connect(close_smtp_connections, weak=False)


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


def retry_database(
    task: Any, outbox_id: int, error: Exception | None, rest: list[int] | None = None
) -> NoReturn:
    """Retry after a database outage, a bounded number of times; then fail, for the sweep.
    A batch passes `rest`, the rows it has left, which the retry carries instead."""
    assert error is not None
    if task.request.retries >= DATABASE_RETRIES:
        log.error("outbox %s: database unavailable; left to the sweep", rest or outbox_id)
        raise error
    delay = min(DATABASE_RETRY_CAP, retry_delay(task.request.retries + 1))
    log.warning("outbox %s: database unavailable, retry in %.0fs: %s", outbox_id, delay, error)
    args = None if rest is None else [rest]
    raise task.retry(args=args, countdown=delay, exc=error, max_retries=DATABASE_RETRIES)


# Acknowledged late like `deliver`: a worker lost mid-batch gets the message again, and the rows
# it already sent are skipped by their claims.
@shared_task(name=DELIVER_BATCH_TASK, bind=True, max_retries=None, acks_late=True)  # type: ignore[untyped-decorator]
def deliver_many(self: Any, outbox_ids: list[int]) -> dict[str, int]:
    """Deliver a run of outbox rows, shared among this process's lane threads.

    A row that must wait for the mail server goes on as its own `deliver` retry; rows not
    reached in the batch's time go out again as a new batch. Returns a count per outcome.
    """
    origin = getattr(self.request, "request_id", None) or "-"
    batch, failure = deliver_in_lanes([int(i) for i in outbox_ids], BATCH_LANES)
    done: Counter[str] = Counter()
    for outbox_id, outcome in batch.outcomes:
        done[outcome.verdict.value] += 1
        if outcome.verdict is Verdict.RETRY:
            hand_on(deliver, [outbox_id], outcome.retry_after, origin)
    if batch.left:
        hand_on(deliver_many, [batch.left], 0.0, origin)
    log.info("outbox batch %s: %s request_id=%s", outbox_ids, dict(done), origin)
    if failure is not None:  # after the other lanes' retries are handed on
        raise failure
    if batch.unavailable:
        retry_database(self, batch.unavailable[0], batch.error, batch.unavailable)
    return dict(done)


def deliver_in_lanes(outbox_ids: list[int], lanes: int) -> tuple[Batch, Exception | None]:
    """`deliver_batch` over `lanes` interleaved shares of the rows, on threads of their own;
    what the lanes did, and the first error a lane raised, if any."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    shares = [share for share in (outbox_ids[n::lanes] for n in range(lanes)) if share]

    def lane(share: list[int]) -> Batch:
        with app.app_context():  # its own database session, as each thread has its own SMTP
            return deliver_batch(share, send_email)

    futures = [lane_pool(lanes).submit(lane, share) for share in shares]
    merged, failure = Batch(), None
    for future in futures:
        try:
            batch = future.result()
        except Exception as exc:  # raised by the task once the other lanes are accounted for
            failure = failure or exc
            continue
        merged.outcomes += batch.outcomes
        merged.unavailable += batch.unavailable
        merged.left += batch.left
        merged.error = merged.error or batch.error
    return merged, failure


_pools: dict[int, ThreadPoolExecutor] = {}


def lane_pool(lanes: int) -> ThreadPoolExecutor:
    """This process's lane threads, kept across tasks: each keeps its SMTP connection open for
    the next batch (`smtp_pool`), so a process holds at most `lanes` of them."""
    pid = os.getpid()  # a forked child starts a pool of its own
    if pid not in _pools:
        _pools.clear()
        _pools[pid] = ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="deliver-lane")
    return _pools[pid]


def hand_on(task: Any, args: list[Any], countdown: float, origin: str) -> None:
    """Queue `task` again for rows a batch could not finish; if the broker fails, the sweep
    republishes them."""
    try:
        task.apply_async(args=args, countdown=countdown, headers={"request_id": origin})
    except Exception as exc:  # the rows are pending in the database: the sweep finds them
        log.warning("outbox %s left to the sweep: %s", args, exc.__class__.__name__)


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
    """Delete expired web sessions and API idempotency keys; return how many sessions went."""
    # The session store commits on its own connection, as it does for every request.
    purged = purge_expired_sessions(current_app)
    if purged:
        log.info("purged %s expired sessions", purged)
    keys = api_idempotency.purge_expired()
    db.session.commit()
    if keys:
        log.info("purged %s expired API idempotency keys", keys)
    return purged
