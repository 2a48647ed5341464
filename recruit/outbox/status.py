"""What operators see of the background tier: outbox backlog, failures and worker heartbeats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from recruit.extensions import db
from recruit.models import OutboxMessage, OutboxStatus, utcnow
from recruit.models.outbox import WorkerHeartbeat
from recruit.outbox.store import STUCK_AFTER

PROBLEM_LIMIT = 200
# Workers come and go (each has its own name); forget the ones silent for this long.
HEARTBEAT_KEEP = timedelta(days=7)


@dataclass(frozen=True)
class OutboxSummary:
    """Counts per status, the oldest unsent row's age and the last worker heartbeat."""

    counts: dict[str, int]
    oldest_pending_age_seconds: float | None
    last_heartbeat: datetime | None

    @property
    def heartbeat_age_seconds(self) -> float | None:
        """Seconds since a worker last reported, or None if none ever has."""
        if self.last_heartbeat is None:
            return None
        return round((utcnow() - self.last_heartbeat).total_seconds(), 1)


def summary() -> OutboxSummary:
    """The current state of the outbox and the workers."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = {status.value: 0 for status in OutboxStatus}
    counts.update({OutboxStatus(status).value: int(n) for status, n in rows})
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
        )
    )
    age = round((utcnow() - oldest).total_seconds(), 1) if oldest is not None else None
    last = db.session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
    return OutboxSummary(counts, age, last)


def problem_rows(limit: int = PROBLEM_LIMIT) -> list[OutboxMessage]:
    """Failed rows, and unsent rows older than STUCK_AFTER, oldest first."""
    cutoff = utcnow() - STUCK_AFTER
    stuck = or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.created_at <= cutoff),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at <= cutoff),
    )
    query = (
        select(OutboxMessage)
        .where(or_(OutboxMessage.status == OutboxStatus.FAILED, stuck))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def record_heartbeat(worker: str) -> None:
    """Note that `worker` is alive now (one row per worker, updated in place)."""
    name = worker[:200] or "unknown"
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(WorkerHeartbeat).values(worker=name, seen_at=utcnow())
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["worker"], set_={"seen_at": statement.excluded.seen_at}
        )
    )


def prune_heartbeats() -> None:
    """Forget workers that have not reported for HEARTBEAT_KEEP."""
    db.session.execute(
        delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < utcnow() - HEARTBEAT_KEEP)
    )
