"""Webhook tasks: deliver to one endpoint in event-id order, and sweep what the broker lost."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.utils.log import get_task_logger

from recruit.extensions import db
from recruit.models import WebhookDelivery
from recruit.outbox.republish import republish
from recruit.tasknames import WEBHOOK_DELIVER_TASK, WEBHOOK_SWEEP_TASK
from recruit.webhooks.sending import due_endpoints, pump

log = get_task_logger(__name__)


@shared_task(name=WEBHOOK_DELIVER_TASK, bind=True, max_retries=None, acks_late=True)  # type: ignore[untyped-decorator]
def deliver_webhooks(self: Any, delivery_id: int) -> str:
    """Send the pending deliveries of this delivery's endpoint, in order; retry on backoff."""
    endpoint_id = db.session.scalar(
        db.select(WebhookDelivery.endpoint_id).where(WebhookDelivery.id == delivery_id)
    )
    db.session.rollback()
    if endpoint_id is None:
        return "gone"
    result = pump(int(endpoint_id))
    if result.again_in is not None:
        raise self.retry(countdown=result.again_in)
    return "busy" if result.busy else f"attempted {result.attempted}"


@shared_task(name=WEBHOOK_SWEEP_TASK)  # type: ignore[untyped-decorator]
def sweep_webhooks() -> int:
    """Publish one due delivery per endpoint nobody is delivering to (lost or late tasks)."""
    due = due_endpoints()
    db.session.rollback()
    published = republish(WEBHOOK_DELIVER_TASK, due)
    if published:
        log.info("webhook deliveries republished: %s", published)
    return len(published)
