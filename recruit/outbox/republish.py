"""Handing work to the broker again: the one path for the sweeps and for an operator's retry.

The outbox sweep, the export sweep and the admin page's and CLI's retry all come here. Rows
are published by task name through `recruit.outbox.dispatch.publish`, so a broker that does
not answer stops the batch at once and leaves the rest for the next sweep.

`retry_rows` is a command, like a CLI command or a task: it owns its transaction and commits
the reset before it publishes, so the worker finds the row pending when the task arrives.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from recruit.extensions import db
from recruit.models import OutboxMessage
from recruit.outbox.dispatch import publish
from recruit.outbox.store import mark_republished, reset_for_retry
from recruit.tasknames import DELIVER_TASK

log = logging.getLogger(__name__)


class UnknownOutboxRowError(LookupError):
    """An operator named an outbox row that does not exist."""

    def __init__(self, outbox_id: int) -> None:
        super().__init__(f"no outbox row {outbox_id}")
        self.outbox_id = outbox_id


@dataclass
class RetryReport:
    """What an operator's retry did with each row it was given."""

    queued: list[int] = field(default_factory=list)  # back to pending
    refused: list[int] = field(default_factory=list)  # sent, or being sent right now
    handed_over: list[int] = field(default_factory=list)  # queued and taken by the broker

    @property
    def broker_missed(self) -> bool:
        """Whether some queued rows are left for the sweep because the broker did not answer."""
        return len(self.handed_over) < len(self.queued)


def republish(task: str, ids: list[int]) -> list[int]:
    """Publish `task` again for each id in order; return the ids the broker took.

    Outbox rows handed over are stamped `published_at`, so the sweep waits before it sends
    them again; the caller commits that.
    """
    taken = ids[: publish(ids, task=task)]
    if task == DELIVER_TASK:
        mark_republished(taken)
    return taken


def retry_rows(outbox_ids: list[int]) -> RetryReport:
    """Put failed or stuck rows back to pending, commit, and hand them to the broker.

    Raises `UnknownOutboxRowError`, changing nothing, if any id names no row. Rows that were sent,
    or that a worker claimed recently, are left alone and reported as refused.
    """
    known = set(
        db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.id.in_(outbox_ids)))
    )
    for outbox_id in outbox_ids:
        if outbox_id not in known:
            raise UnknownOutboxRowError(outbox_id)
    report = RetryReport()
    for outbox_id in outbox_ids:
        (report.queued if reset_for_retry(outbox_id) else report.refused).append(outbox_id)
    db.session.commit()
    report.handed_over = republish(DELIVER_TASK, report.queued)
    db.session.commit()
    if report.queued:
        log.info("operator retry queued outbox rows %s", report.queued)
    return report
