"""Acting on password-reset requests with the worker's real task, in this process."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import OutboxMessage, OutboxStatus
from recruit.services.resets import RESET_REQUEST_KIND


def pending_reset_requests(app: Flask) -> list[int]:
    """Ids of reset requests no worker has acted on yet, oldest first."""
    with app.app_context():
        query = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.kind == RESET_REQUEST_KIND,
                OutboxMessage.status == OutboxStatus.PENDING,
            )
            .order_by(OutboxMessage.id)
        )
        return list(db.session.scalars(query))


def fulfil_reset_requests(app: Flask) -> list[str]:
    """Run the worker's deliver task on every waiting reset request; return what each did.

    This is what a worker does with the task the request published; the reset email it
    queues is then an ordinary outbox row, as a worker would leave it for delivery.
    """
    from worker.celery_app import celery_init_app
    from worker.tasks import deliver

    celery_init_app(app)
    return [str(deliver(outbox_id)) for outbox_id in pending_reset_requests(app)]
