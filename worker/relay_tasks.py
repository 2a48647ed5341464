"""The relay task: one message per commit in, each row handed to its own task out."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.utils.log import get_task_logger

from recruit.outbox.dispatch import fan_out
from recruit.tasknames import RELAY_TASK

log = get_task_logger(__name__)


# Acknowledged late: a worker lost mid-way gets the message again, and a row handed over twice
# is claimed once (recruit.outbox.store.claim). The sweep covers a relay that never ran.
@shared_task(name=RELAY_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def relay(self: Any, batch: dict[str, list[int]]) -> int:
    """Publish each row id of `batch` (task name: ids) to its task; return how many went."""
    origin = str(getattr(self.request, "request_id", None) or "")
    sent = fan_out(batch, origin)
    log.info("relayed %s of %s rows request_id=%s", sent, sum(map(len, batch.values())), origin)
    return sent
