"""Hand outbox rows to Celery after the transaction that wrote them has committed.

The web tier never imports `worker/`: it publishes by stable task name through a Celery
client configured from the same settings as the worker.

A commit publishes at most one message. A single new row goes straight to its task; several
(announcing a submit writes a confirmation and one email per recruiter) go as one relay message
carrying every row id, and the worker's relay task (`fan_out`) hands each row to its own task.
The sweep still republishes any row that no worker took, however it was first handed over.

A commit made while serving a request gives its rows to the process's courier
(recruit.outbox.courier) instead, which publishes from a thread of its own: the request never
waits on the broker, and the rows of commits made meanwhile share one relay message. Commits
outside a request (tasks, commands) publish as they commit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from celery import Celery
from flask import Flask, current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from recruit.celery_config import celery_settings
from recruit.logs import current_request_id
from recruit.models import ExportJob, MonitoringReportJob, OutboxMessage, WebhookDelivery
from recruit.models.privacy import AccessRequest
from recruit.outbox.courier import Courier, Parcel, finish_on_exit
from recruit.tasknames import (
    ACCESS_PACK_BUILD_TASK,
    DELIVER_BATCH_TASK,
    DELIVER_TASK,
    EXPORT_BUILD_TASK,
    MONITORING_REPORT_TASK,
    RELAY_TASK,
    TASK_NAMES,
    WEBHOOK_DELIVER_TASK,
)

# The task that acts on a newly inserted row of each outbox-like model, published after commit.
TASK_FOR_NEW_ROW: dict[type, str] = {
    OutboxMessage: DELIVER_TASK,
    ExportJob: EXPORT_BUILD_TASK,
    AccessRequest: ACCESS_PACK_BUILD_TASK,
    MonitoringReportJob: MONITORING_REPORT_TASK,
    WebhookDelivery: WEBHOOK_DELIVER_TASK,
}

# A relay's email rows go to the worker in runs of this many (`deliver_batch`): one task and
# one commit per email instead of a task and two commits each, while several worker
# processes still share a big relay.
DELIVER_BATCH_SIZE = 25

log = logging.getLogger(__name__)

_PENDING_KEY = "recruit.outbox_new_ids"
_COURIER_KEY = "recruit.outbox_courier"
# A relay message names at most this many of the requests whose rows it carries.
NAMED_REQUESTS = 8
_PAUSE_KEY = "recruit.publish_paused_until"
# After the broker fails to take a task, this process leaves publishing to the sweeper for a
# while, so a dead or frozen Redis costs one request one timeout, not every request many.
PUBLISH_PAUSE_SECONDS = 5.0


def init_app(app: Flask) -> None:
    """Create the publishing client and attach the after-commit relay."""
    client = Celery("recruit-web", set_as_current=False)
    client.conf.update(celery_settings(app.config))
    app.extensions["recruit.celery_client"] = client
    if app.config.get("OUTBOX_COURIER", True):
        courier = Courier(lambda parcels: _send_parcels(app, parcels))
        app.extensions[_COURIER_KEY] = courier
        finish_on_exit(courier)
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


def courier(app: Flask | None = None) -> Courier | None:
    """This app's courier, or None when OUTBOX_COURIER is off."""
    target = app or current_app
    found: Courier | None = target.extensions.get(_COURIER_KEY)
    return found


def publish(
    outbox_ids: list[int],
    app: Flask | None = None,
    task: str = DELIVER_TASK,
    request_id: str | None = None,
) -> int:
    """Send `task` (by default the email deliverer) per row id; return how many reached the
    broker. A broker failure never raises.

    The first failure leaves the rest of the rows, and for a few seconds every later row, to
    the sweeper: the user's change is committed already and must not wait on the broker.
    A name missing from `recruit.tasknames` is a bug, refused before anything is sent.
    `request_id` is the request the rows came from (by default the current one).
    """
    _check_name(task)
    target = app or current_app._get_current_object()  # type: ignore[attr-defined]
    origin = current_request_id() if request_id is None else request_id
    sent = 0
    for outbox_id in outbox_ids:
        task_id = _send(target, task, outbox_id, origin)
        if task_id is None:
            break
        log.info("outbox %s published as task %s", outbox_id, task_id)
        sent += 1
    if sent < len(outbox_ids):
        log.warning("outbox rows %s left to the sweeper", outbox_ids[sent:])
    return sent


def relay(batch: dict[str, list[int]], app: Flask | None = None) -> bool:
    """Send one relay message carrying every row id in `batch` (task name: ids); True if the
    broker took it. A broker failure never raises: the sweeper hands the rows over later."""
    for task in batch:
        _check_name(task)
    target = app or current_app._get_current_object()  # type: ignore[attr-defined]
    task_id = _send(target, RELAY_TASK, batch, current_request_id())
    if task_id is None:
        log.warning("outbox rows %s left to the sweeper", batch)
        return False
    log.info("rows %s published as relay task %s", batch, task_id)
    return True


def fan_out(batch: dict[str, list[int]], request_id: str = "") -> int:
    """The relay task's work, in a worker: publish each row of `batch` to its own task.

    Returns how many rows reached the broker; any left over are the sweeper's.
    """
    sent = 0
    for task, ids in sorted(batch.items()):
        sent += _forward(task, [int(row_id) for row_id in ids], request_id)
    return sent


def _forward(task: str, ids: list[int], request_id: str) -> int:
    if task == RELAY_TASK:
        raise ValueError("a relay message cannot carry another relay")
    if task == DELIVER_TASK and len(ids) > 1:
        return _publish_batches(ids, request_id)
    return publish(ids, task=task, request_id=request_id)


def _publish_batches(ids: list[int], request_id: str) -> int:
    """Send the email rows as `deliver_batch` messages of up to DELIVER_BATCH_SIZE ids."""
    target = current_app._get_current_object()  # type: ignore[attr-defined]
    for start in range(0, len(ids), DELIVER_BATCH_SIZE):
        chunk = ids[start : start + DELIVER_BATCH_SIZE]
        if _send(target, DELIVER_BATCH_TASK, chunk, request_id) is None:
            log.warning("outbox rows %s left to the sweeper", ids[start:])
            return start
    return len(ids)


def _check_name(task: str) -> None:
    if task not in TASK_NAMES:
        raise ValueError(f"unregistered task name {task!r}")


def _send(
    target: Flask, task: str, argument: object, request_id: str, heed_pause: bool = True
) -> str | None:
    """Send one message; its task id, or None if publishing is paused or the broker failed."""
    if heed_pause and time.monotonic() < target.extensions.get(_PAUSE_KEY, 0.0):
        return None
    try:
        # The worker logs the request id with the task, so a request can be followed into it.
        result = celery_client(target).send_task(
            task, args=[argument], retry=False, headers={"request_id": request_id}
        )
    except Exception as exc:  # the sweeper will hand it over later; the user's change is safe
        target.extensions[_PAUSE_KEY] = time.monotonic() + PUBLISH_PAUSE_SECONDS
        log.warning("broker unavailable (%s); publishing paused", exc.__class__.__name__)
        return None
    return str(result.id)


def remember_inserted(session: Session, model: type, row_ids: Sequence[int]) -> None:
    """Hand rows of `model` inserted with SQL of their own (not through the session's objects)
    to the worker after this session commits, as a flush's new rows are."""
    task = TASK_FOR_NEW_ROW[model]
    session.info.setdefault(_PENDING_KEY, set()).update((task, row_id) for row_id in row_ids)


def _remember_new_rows(session: Session, flush_context: Any) -> None:
    # In after_flush, session.new still lists what this flush inserted, now with primary keys.
    for obj in session.new:
        task = TASK_FOR_NEW_ROW.get(type(obj))
        if task is not None:
            session.info.setdefault(_PENDING_KEY, set()).add((task, obj.id))


def _message(pending: list[tuple[str, int]]) -> tuple[str, int | dict[str, list[int]]]:
    """The one message for committed rows (task, row id): a single row goes to its own task,
    several as one relay carrying every id by task."""
    if len(pending) == 1:
        return pending[0]
    batch: dict[str, list[int]] = {}
    for task, row_id in pending:
        batch.setdefault(task, []).append(row_id)
    return RELAY_TASK, batch


def _send_parcels(app: Flask, parcels: list[Parcel]) -> bool:
    """The courier's publish: one message for every parcel; True if the broker took it.

    It never waits out the pause: the courier retries on its own thread, and its first
    success after an outage hands over everything that waited.
    """
    origins = sorted({p.request_id for p in parcels if p.request_id})
    request_id = ",".join(origins[:NAMED_REQUESTS])
    if len(origins) > NAMED_REQUESTS:
        request_id += f",+{len(origins) - NAMED_REQUESTS}"
    task, argument = _message([(p.task, p.row_id) for p in parcels])
    task_id = _send(app, task, argument, request_id, heed_pause=False)
    if task_id is not None:
        log.info("rows %s published as task %s", argument, task_id)
    return task_id is not None


def _publish_remembered(session: Session) -> None:
    pending = sorted(session.info.pop(_PENDING_KEY, set()))
    if not pending:
        return
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        log.warning("rows %s committed outside an app context; left to the sweeper", pending)
        return
    handler = courier(app) if has_request_context() else None
    if handler is not None:
        origin = current_request_id()
        handler.hand([Parcel(task, row_id, origin) for task, row_id in pending])
        return
    task, argument = _message(pending)
    if isinstance(argument, dict):
        relay(argument, app)
    else:
        publish([argument], app, task)


def _forget_remembered(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
