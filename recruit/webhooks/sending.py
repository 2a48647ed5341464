"""Delivering webhooks: one worker per endpoint at a time, in event-id order, with backoff.

`pump(endpoint_id)` claims the endpoint (a conditional UPDATE, committed), then sends its
pending deliveries one by one: an admin's redeliveries first, then the rest by event id. A
delivery is sent only when every earlier event for the endpoint was answered 2xx or failed
for good, so a receiver sees increasing event ids (redeliveries excepted). A failed attempt
is retried after `WEBHOOK_RETRY_BASE_SECONDS` doubling up to `WEBHOOK_RETRY_MAX_DELAY_SECONDS`,
until the next try would fall more than `WEBHOOK_RETRY_WINDOW_SECONDS` after the
delivery was queued; then the delivery is failed and the next one goes. Like a task, it commits.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from recruit.celery_config import TASK_HARD_TIME_LIMIT
from recruit.extensions import db
from recruit.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    utcnow,
)
from recruit.webhooks import signing, transport
from recruit.webhooks.addresses import UnsafeUrlError, target

STALE_CLAIM = timedelta(seconds=TASK_HARD_TIME_LIMIT + 60)
PUMP_BUDGET_SECONDS = 60.0  # then the task hands the rest to a fresh task
ERROR_CHARS = 500

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PumpResult:
    """What a pump did: how many it sent, and when to run again (None: nothing to schedule)."""

    attempted: int
    again_in: float | None = None
    busy: bool = False


def envelope(event: WebhookEvent) -> bytes:
    """The JSON body receivers get: the event id, type, time and data (ids and links)."""
    body = {
        "id": event.id,
        "type": event.type,
        "created": event.created_at.isoformat(),
        "data": event.data,
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def retry_delay(attempts: int, config: dict[str, Any] | None = None) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling, capped."""
    settings = config or current_app.config
    base = float(settings["WEBHOOK_RETRY_BASE_SECONDS"])
    cap = float(settings["WEBHOOK_RETRY_MAX_DELAY_SECONDS"])
    return float(min(cap, base * 2 ** max(0, attempts - 1)))


def next_try(
    attempts: int, queued_at: datetime, now: datetime, config: dict[str, Any] | None = None
) -> datetime | None:
    """When to try again after `attempts` failed tries, or None: that would fall more than the
    retry window after the delivery was queued, so it has failed (the one retry rule)."""
    settings = config or current_app.config
    at = now + timedelta(seconds=retry_delay(attempts, settings))
    window = timedelta(seconds=float(settings["WEBHOOK_RETRY_WINDOW_SECONDS"]))
    return at if at <= queued_at + window else None


def _span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} seconds"
    if seconds < 7200:
        return f"{seconds / 60:g} minutes"
    return f"{seconds / 3600:g} hours"


def retry_text(config: dict[str, Any] | None = None) -> str:
    """The retry schedule in words, from the settings (for the delivery log page)."""
    settings = config or current_app.config
    base = float(settings["WEBHOOK_RETRY_BASE_SECONDS"])
    cap = float(settings["WEBHOOK_RETRY_MAX_DELAY_SECONDS"])
    window = float(settings["WEBHOOK_RETRY_WINDOW_SECONDS"])
    return (
        f"A failed attempt is tried again after {_span(base)}, then twice as long each time "
        f"(at most {_span(cap)} apart), until the next try would fall more than {_span(window)} "
        "after the delivery was queued; then it has failed and the next event goes."
    )


def pump(endpoint_id: int) -> PumpResult:
    """Send the endpoint's due deliveries in order; commits. Busy if another worker is."""
    attempted = 0
    deadline = time.monotonic() + PUMP_BUDGET_SECONDS
    while _claim(endpoint_id):
        again_in: float | None = None
        try:
            again_in, sent = _run(endpoint_id, deadline)
            attempted += sent
        finally:
            _release(endpoint_id)
        if again_in is not None or not _due_now(endpoint_id):
            return PumpResult(attempted, again_in)
    return PumpResult(attempted, busy=attempted == 0)


def _run(endpoint_id: int, deadline: float) -> tuple[float | None, int]:
    sent = 0
    while True:
        delivery = _head(endpoint_id)
        if delivery is None or delivery.next_attempt_at > utcnow():
            return None, sent  # nothing due: whoever scheduled the next try wakes it
        if time.monotonic() > deadline:
            return 0.0, sent
        outcome = attempt(delivery.id)
        sent += 1
        if outcome is not None:
            return outcome, sent


def attempt(delivery_id: int) -> float | None:
    """Make one attempt of the delivery and record it; commits. Returns the seconds until its
    next try when it will be retried, else None (delivered, or failed for good)."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
    if delivery is None or endpoint is None:  # deleted with its endpoint meanwhile
        db.session.commit()
        return None
    body = envelope(delivery.event)
    url, secret, event_id = endpoint.url, endpoint.secret, delivery.event_id
    event_type = delivery.event.type
    db.session.commit()  # no transaction stays open across the network call
    started = time.monotonic()
    code, error = _post(url, secret, body, event_id, event_type)
    elapsed = int((time.monotonic() - started) * 1000)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        db.session.commit()
        return None
    again_in = _record(delivery, code, error, elapsed)
    db.session.commit()
    log.info("webhook delivery %s: %s", delivery_id, code if code is not None else error)
    return again_in


def _post(
    url: str, secret: str, body: bytes, event_id: int, event_type: str
) -> tuple[int | None, str | None]:
    config = current_app.config
    headers = {
        signing.HEADER: signing.header_value(secret, body),
        "Recruit-Event-Id": str(event_id),
        "Recruit-Event-Type": event_type,
    }
    try:
        checked = target(url, bool(config["WEBHOOK_ALLOW_LOOPBACK"]))
        answer = transport.post(checked, body, headers, float(config["WEBHOOK_TIMEOUT_SECONDS"]))
    except UnsafeUrlError as exc:
        return None, f"refused: {exc}"
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{exc.__class__.__name__}: {exc}"[:ERROR_CHARS]
    return answer.status, None


def _record(
    delivery: WebhookDelivery, code: int | None, error: str | None, ms: int
) -> float | None:
    now = utcnow()
    # Added, not appended to `attempt_log`: that would load the earlier attempts first.
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery.id, attempted_at=now, status_code=code, error=error, duration_ms=ms
        )
    )
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = code
    delivery.last_error = error if code is None else None
    if code is not None and 200 <= code < 300:
        _finish(delivery, DeliveryStatus.DELIVERED, now)
        return None
    again = None if delivery.manual else next_try(delivery.attempts, delivery.created_at, now)
    if again is None:
        _finish(delivery, DeliveryStatus.FAILED, now)
        return None
    delivery.next_attempt_at = again
    return (again - now).total_seconds()


def _finish(delivery: WebhookDelivery, status: DeliveryStatus, now: datetime) -> None:
    delivery.status = status
    delivery.finished_at = now


def _head(endpoint_id: int) -> WebhookDelivery | None:
    """The next delivery to send, while the endpoint is on: redeliveries first, then the lowest
    event id (one statement)."""
    return db.session.scalar(
        select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookEndpoint.active.is_(True),
        )
        .order_by(WebhookDelivery.manual.desc(), WebhookDelivery.event_id, WebhookDelivery.id)
        .limit(1)
    )


def _due_now(endpoint_id: int) -> bool:
    head = _head(endpoint_id)
    due = head is not None and head.next_attempt_at <= utcnow()
    db.session.commit()
    return due


def _claim(endpoint_id: int) -> bool:
    now = utcnow()
    free = or_(
        WebhookEndpoint.pump_claimed_at.is_(None),
        WebhookEndpoint.pump_claimed_at <= now - STALE_CLAIM,
    )
    result = db.session.execute(
        update(WebhookEndpoint)
        .where(and_(WebhookEndpoint.id == endpoint_id, free))
        .values(pump_claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _release(endpoint_id: int) -> None:
    db.session.rollback()
    db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(pump_claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def due_endpoints(limit: int = 500) -> list[int]:
    """For the sweep: one pending, due delivery id per endpoint nobody is delivering to."""
    now = utcnow()
    free = or_(
        WebhookEndpoint.pump_claimed_at.is_(None),
        WebhookEndpoint.pump_claimed_at <= now - STALE_CLAIM,
    )
    first = (
        select(func.min(WebhookDelivery.id))
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.active.is_(True),
            free,
        )
        .group_by(WebhookDelivery.endpoint_id)
        .limit(limit)
    )
    return sorted(db.session.scalars(first))
