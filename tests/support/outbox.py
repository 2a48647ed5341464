"""Outbox rows in a chosen state: queued as the app queues them, then their columns set."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import update

from recruit.extensions import db
from recruit.models import OutboxMessage
from recruit.outbox.store import enqueue_email


def queued_email(
    app: Flask, template: str, recipient: str, context: dict[str, Any], **columns: Any
) -> int:
    """Commit an email queued with `context`, then set any `columns` as given; return its id."""
    with app.app_context():
        row = enqueue_email(template, recipient, **context)
        db.session.commit()
        if columns:
            db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id).values(**columns)
            )
            db.session.commit()
        return row.id
