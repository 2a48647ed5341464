"""Hand outbox rows to Celery after the transaction that wrote them has committed.

The web tier never imports `worker/`: it publishes by stable task name through a Celery
client configured from the same settings as the worker.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Celery
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from recruit.celery_config import celery_settings
from recruit.logs import current_request_id
from recruit.models import ExportJob, MonitoringReportJob, OutboxMessage
from recruit.models.privacy import AccessRequest
from recruit.tasknames import (
    ACCESS_PACK_BUILD_TASK,
    DELIVER_TASK,
    EXPORT_BUILD_TASK,
    MONITORING_REPORT_TASK,
    TASK_NAMES,
)

# The task that acts on a newly inserted row of each outbox-like model, published after commit.
TASK_FOR_NEW_ROW: dict[type, str] = {
    OutboxMessage: DELIVER_TASK,
    ExportJob: EXPORT_BUILD_TASK,
    AccessRequest: ACCESS_PACK_BUILD_TASK,
    MonitoringReportJob: MONITORING_REPORT_TASK,
}

log = logging.getLogger(__name__)

_PENDING_KEY = "recruit.outbox_new_ids"
_PAUSE_KEY = "recruit.publish_paused_until"
# After the broker fails to take a task, this process leaves publishing to the sweeper for a
# while, so a dead or frozen Redis costs one request one timeout, not every request many.
PUBLISH_PAUSE_SECONDS = 5.0


def init_app(app: Flask) -> None:
    """Create the publishing client and attach the after-commit relay."""
    client = Celery("recruit-web", set_as_current=False)
    client.conf.update(celery_settings(app.config))
    app.extensions["recruit.celery_client"] = client
    if not getattr(init_app, "_listening", False):
        event.listen(Session, "after_flush", _remember_new_rows)
        event.listen(Session, "after_commit", _publish_remembered)
        event.listen(Session, "after_rollback", _forget_remembered)
        init_app._listening = True  # type: ignore[attr-defined]


def celery_client(app: Flask | None = None) -> Celery:
    """The Celery client that publishes tasks for this app."""
    target = app or current_app
    client: Celery = target.extensions["recruit.celery_client"]
    return client


def publish(outbox_ids: list[int], app: Flask | None = None, task: str = DELIVER_TASK) -> int:
    """Send `task` (by default the email deliverer) per row id; return how many reached the
    broker. A broker failure never raises.

    The first failure leaves the rest of the rows, and for a few seconds every later row, to
    the sweeper: the user's change is committed already and must not wait on the broker.
    A name missing from `recruit.tasknames` is a bug, refused before anything is sent.
    """
    if task not in TASK_NAMES:
        raise ValueError(f"unregistered task name {task!r}")
    target = app or current_app._get_current_object()  # type: ignore[attr-defined]
    client = celery_client(target)
    # The worker logs this with the task, so one request can be followed into the worker.
    request_id = current_request_id()
    sent = 0
    for outbox_id in outbox_ids:
        if time.monotonic() < target.extensions.get(_PAUSE_KEY, 0.0):
            break
        try:
            result = client.send_task(
                task, args=[outbox_id], retry=False, headers={"request_id": request_id}
            )
            log.info("outbox %s published as task %s", outbox_id, result.id)
            sent += 1
        except Exception as exc:  # the sweeper will hand it over later; the user's change is safe
            target.extensions[_PAUSE_KEY] = time.monotonic() + PUBLISH_PAUSE_SECONDS
            log.warning("broker unavailable (%s); publishing paused", exc.__class__.__name__)
            break
    if sent < len(outbox_ids):
        log.warning("outbox rows %s left to the sweeper", outbox_ids[sent:])
    return sent


def _remember_new_rows(session: Session, flush_context: Any) -> None:
    # In after_flush, session.new still lists what this flush inserted, now with primary keys.
    for obj in session.new:
        task = TASK_FOR_NEW_ROW.get(type(obj))
        if task is not None:
            session.info.setdefault(_PENDING_KEY, set()).add((task, obj.id))


def _publish_remembered(session: Session) -> None:
    pending = sorted(session.info.pop(_PENDING_KEY, set()))
    if not pending:
        return
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        log.warning("rows %s committed outside an app context; left to the sweeper", pending)
        return
    for task in sorted({t for t, _ in pending}):
        publish([row_id for t, row_id in pending if t == task], app, task)


def _forget_remembered(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
