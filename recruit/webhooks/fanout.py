"""Turning an outbox row of kind `webhook` into an event and one delivery per endpoint.

Event ids are handed out in the order the deliveries to each endpoint become visible: the
fan-out locks the subscribed endpoints' rows (in id order, so two fan-outs never deadlock)
before it inserts the event, and keeps the locks until it commits. A later event for the same
endpoint waits for that commit before it takes its id, so it gets a larger id and becomes
visible after. The worker delivering to an endpoint therefore never sees event N+1 before N.
"""

from __future__ import annotations

from sqlalchemy import select

from recruit.extensions import db
from recruit.models import (
    OutboxMessage,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSubscription,
    utcnow,
)
from recruit.outbox.store import mark_sent
from recruit.webhooks.events import KIND


def is_webhook_event(row: OutboxMessage) -> bool:
    """Whether this outbox row is a webhook event rather than an email."""
    return row.kind == KIND


def record_event(row: OutboxMessage) -> int:
    """Create the event and its deliveries from a claimed row and mark it sent; the caller
    commits. Returns how many endpoints will receive it (0: nobody subscribes any more)."""
    endpoint_ids = list(
        db.session.scalars(
            select(WebhookEndpoint.id)
            .join(WebhookSubscription)
            .where(WebhookSubscription.event == row.template, WebhookEndpoint.active.is_(True))
            .order_by(WebhookEndpoint.id)
            .with_for_update(of=WebhookEndpoint)
        )
    )
    if endpoint_ids:
        event = WebhookEvent(type=row.template, data=dict(row.payload or {}))
        event.created_at = row.created_at
        db.session.add(event)
        db.session.flush()  # the event id, taken while the endpoints are locked
        now = utcnow()
        for endpoint_id in endpoint_ids:
            db.session.add(
                WebhookDelivery(endpoint_id=endpoint_id, event_id=event.id, next_attempt_at=now)
            )
    mark_sent(row)
    return len(endpoint_ids)
