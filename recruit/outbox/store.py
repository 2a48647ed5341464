"""Recording background work in the caller's transaction, and claiming it in a worker.

The email catalog (`recruit.notifications.catalog`) calls `enqueue_email` inside the view's or
task's transaction. The row is handed to Celery by `recruit.outbox.dispatch` only after that
transaction commits; a beat task sweeps rows that were never handed over (for example because
the broker was unreachable).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from recruit.celery_config import TASK_HARD_TIME_LIMIT
from recruit.extensions import db
from recruit.models import OutboxMessage, OutboxStatus, utcnow

# A worker that claimed a row this long ago has certainly been killed (the hard task time
# limit has passed), so the row may be claimed again.
STALE_CLAIM = timedelta(seconds=TASK_HARD_TIME_LIMIT + 60)
# Longest retry delay the deliver task schedules, plus jitter. A pending row that was already
# tried, or already republished, is left alone for longer than this so the sweep does not
# overtake a retry that is still waiting in the broker.
MAX_RETRY_DELAY = 600
REPUBLISH_AFTER = timedelta(seconds=MAX_RETRY_DELAY * 2)
# A row still unsent this long after it was written, or claimed this long ago, is "stuck" on
# the admin page and `flask outbox status`.
STUCK_AFTER = timedelta(minutes=15)
SWEEP_BATCH = 500
ERROR_CHARS = 2000


def enqueue_email(template: str, recipient: str, **context: Any) -> OutboxMessage:
    """Record an email to send once the current transaction commits.

    Only `recruit.notifications.catalog` calls this: it owns the template names and builds
    `context`, which must be JSON-safe and is what `templates/email/<template>.txt` and
    `.html` see (plus `base_url` and `subject`).
    """
    row = OutboxMessage(
        kind="email",
        template=template,
        recipient=recipient,
        payload=context,
        status=OutboxStatus.PENDING,
    )
    db.session.add(row)
    return row


def claim(outbox_id: int) -> OutboxMessage | None:
    """Take the row for sending, or None if it is sent, failed or being sent by someone else.

    One conditional UPDATE decides the race: only a pending row, or a `sending` row whose
    worker died, matches, and the database lets exactly one caller change it. It returns the
    row it claimed, so claiming is one round trip.
    """
    now = utcnow()
    claimable = or_(
        OutboxMessage.status == OutboxStatus.PENDING,
        and_(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at <= now - STALE_CLAIM,
        ),
    )
    claimed = (
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, claimable)
        .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return db.session.scalars(claimed).one_or_none()


def scrub_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without links: reset, verify and invite links carry live tokens."""
    return {key: value for key, value in payload.items() if not key.endswith("_url")}


def mark_sent(row: OutboxMessage) -> None:
    """Record a delivered email and drop the secrets it carried."""
    row.status = OutboxStatus.SENT
    row.sent_at = utcnow()
    row.last_error = None
    row.payload = scrub_payload(dict(row.payload or {}))


def record_sent(outbox_id: int, payload: dict[str, Any]) -> None:
    """Mark the row sent by id, as one UPDATE: for re-recording after a failed commit."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.SENDING)
        .values(
            status=OutboxStatus.SENT,
            sent_at=utcnow(),
            last_error=None,
            payload=scrub_payload(payload),
        )
        .execution_options(synchronize_session=False)
    )


def mark_retry(row: OutboxMessage, error: str) -> None:
    """Put the row back to pending after a failure that may clear up."""
    row.status = OutboxStatus.PENDING
    row.last_error = error[:ERROR_CHARS]


def mark_failed(row: OutboxMessage, error: str) -> None:
    """Give up on the row for good; its links are useless now, so drop them too."""
    row.status = OutboxStatus.FAILED
    row.last_error = error[:ERROR_CHARS]
    row.payload = scrub_payload(dict(row.payload or {}))


def reset_for_retry(outbox_id: int) -> bool:
    """Put a failed or stuck row back to pending for an operator; False if that is not safe.

    Sent rows are never reset, and neither is a row a worker claimed recently (it may be
    sending right now). The attempt count starts again so the row gets its full set of
    retries. The caller commits, then publishes the row (the sweep does if that fails).
    """
    now = utcnow()
    resettable = or_(
        OutboxMessage.status.in_([OutboxStatus.FAILED, OutboxStatus.PENDING]),
        and_(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at <= now - STUCK_AFTER,
        ),
    )
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, resettable)
        .values(status=OutboxStatus.PENDING, attempts=0, claimed_at=None, published_at=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def due_for_sweep(older_than_seconds: float) -> list[int]:
    """Ids of rows the broker appears to have lost, oldest first.

    Pending rows younger than `older_than_seconds` are skipped: the after-commit publish has
    only just handed them over. Rows already tried or republished wait for `REPUBLISH_AFTER`.
    """
    now = utcnow()
    settled = now - REPUBLISH_AFTER
    pending_lost = and_(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.created_at <= now - timedelta(seconds=older_than_seconds),
        or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at <= settled),
        or_(OutboxMessage.published_at.is_(None), OutboxMessage.published_at <= settled),
    )
    sending_stale = and_(
        OutboxMessage.status == OutboxStatus.SENDING,
        OutboxMessage.claimed_at <= now - STALE_CLAIM,
    )
    lost = or_(pending_lost, sending_stale)
    query = select(OutboxMessage.id).where(lost).order_by(OutboxMessage.id).limit(SWEEP_BATCH)
    return list(db.session.scalars(query))


def mark_republished(outbox_ids: list[int]) -> None:
    """Remember that the sweep handed these rows over again, so it waits before the next time."""
    if outbox_ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(outbox_ids))
            .values(published_at=utcnow())
            .execution_options(synchronize_session=False)
        )
