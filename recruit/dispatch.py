"""Hand outbox rows to Celery after the transaction that wrote them has committed.

The web tier never imports `worker/`: it publishes by stable task name through a Celery
client configured from the same settings as the worker.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Celery
from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from recruit.celery_config import celery_settings
from recruit.models import OutboxMessage
from recruit.outbox import DELIVER_TASK

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


def publish(outbox_ids: list[int], app: Flask | None = None) -> int:
    """Send a deliver task per row; return how many reached the broker. Never raises.

    The first failure leaves the rest of the rows, and for a few seconds every later row, to
    the sweeper: the user's change is committed already and must not wait on the broker.
    """
    target = app or current_app._get_current_object()  # type: ignore[attr-defined]
    client = celery_client(target)
    # The worker logs this with the task, so one request can be followed into the worker.
    request_id = str(g.get("request_id", "")) if has_request_context() else ""
    sent = 0
    for outbox_id in outbox_ids:
        if time.monotonic() < target.extensions.get(_PAUSE_KEY, 0.0):
            break
        try:
            result = client.send_task(
                DELIVER_TASK, args=[outbox_id], retry=False, headers={"request_id": request_id}
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
    new_ids = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if new_ids:
        session.info.setdefault(_PENDING_KEY, set()).update(new_ids)


def _publish_remembered(session: Session) -> None:
    ids = sorted(session.info.pop(_PENDING_KEY, set()))
    if not ids:
        return
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        log.warning("outbox rows %s committed outside an app context; left to the sweeper", ids)
        return
    publish(ids, app)


def _forget_remembered(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
