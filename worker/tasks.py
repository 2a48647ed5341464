"""Background tasks. Each takes ids only and owns its transaction."""

from __future__ import annotations

import random
from typing import Any

from celery import shared_task
from celery.utils.log import get_task_logger
from flask import current_app

from recruit.extensions import db
from recruit.mail import PermanentMailError, TransientMailError, build_message
from recruit.mail import send_message as send_email
from recruit.models import OutboxMessage
from recruit.outbox import (
    DELIVER_TASK,
    MAX_RETRY_DELAY,
    SWEEP_TASK,
    claim,
    due_for_sweep,
    mark_failed,
    mark_republished,
    mark_retry,
    mark_sent,
)
from recruit.services.closing import close_due_vacancies

CLOSE_DUE_TASK = "recruit.vacancies.close_due"

# The task logger's format carries the task name and id on every line.
log = get_task_logger(__name__)


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter, capped, so a recovering SMTP server is not stampeded."""
    ceiling = float(min(MAX_RETRY_DELAY, 2**attempts))
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - spreading retries, not security


@shared_task(name=DELIVER_TASK, bind=True, max_retries=None, acks_late=True)  # type: ignore[untyped-decorator]
def deliver(self: Any, outbox_id: int) -> str:
    """Send one outbox email; retry transient failures with backoff, give up on permanent ones."""
    row = claim(outbox_id)
    if row is None:
        db.session.rollback()
        log.info("outbox %s skipped: already sent, failed or in progress", outbox_id)
        return "skipped"
    max_attempts = int(current_app.config["OUTBOX_MAX_ATTEMPTS"])
    if row.attempts > max_attempts:  # a worker died on it again and again
        return give_up(row, f"gave up after {max_attempts} attempts")
    try:
        message = build_message(row)
        db.session.commit()  # the claim is visible to others before the slow network call
        send_email(message, outbox_id)
    except PermanentMailError as exc:
        return give_up(row, str(exc))
    except TransientMailError as exc:
        if row.attempts >= max_attempts:
            return give_up(row, f"{exc} (attempt {row.attempts} of {max_attempts})")
        mark_retry(row, str(exc))
        db.session.commit()
        delay = retry_delay(row.attempts)
        log.warning("outbox %s will retry in %.0fs: %s", outbox_id, delay, exc)
        raise self.retry(countdown=delay, exc=exc) from exc
    mark_sent(row)
    db.session.commit()
    log.info("outbox %s sent (%s)", outbox_id, row.template)
    return "sent"


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


__all__ = ["CLOSE_DUE_TASK", "close_due", "deliver", "sweep"]
