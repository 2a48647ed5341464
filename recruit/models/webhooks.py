"""Webhooks: endpoints admins register, the events they receive, and every delivery attempt.

An event is recorded once (`webhook_events`, its id is the event id receivers see) and one
`webhook_deliveries` row per subscribed endpoint carries it to that endpoint, in event-id order.
Payloads hold ids and links only, never personal data or CV content.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recruit.models.base import Base, UTCDateTime, text_enum, utcnow

if TYPE_CHECKING:
    from recruit.models.user import User


class WebhookEventType(enum.StrEnum):
    """The events an endpoint can subscribe to."""

    APPLICATION_SUBMITTED = "application.submitted"
    APPLICATION_STAGE_CHANGED = "application.stage_changed"
    VACANCY_CLOSED = "vacancy.closed"
    EXPORT_READY = "export.ready"


class DeliveryStatus(enum.StrEnum):
    """Life of one delivery of an event to an endpoint."""

    PENDING = "pending"  # waiting for its turn or for its next attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # retried for the whole retry window (or a redelivery's one try) in vain


class WebhookEndpoint(Base):
    """An HTTPS URL that receives signed events of the types it subscribes to.

    `secret` signs every delivery; it is kept server-side (workers sign with it) and shown to
    the admin only once, when it is made or rotated. `pump_claimed_at` is the claim of the one
    worker delivering to this endpoint at a time, so deliveries go out in event-id order.
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(String(100))
    secret_prefix: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pump_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()
    subscriptions: Mapped[list[WebhookSubscription]] = relationship(
        cascade="all, delete-orphan", order_by="WebhookSubscription.event"
    )

    @property
    def events(self) -> list[str]:
        """The event types this endpoint subscribes to, sorted."""
        return sorted(s.event for s in self.subscriptions)


class WebhookSubscription(Base):
    """One event type one endpoint receives."""

    __tablename__ = "webhook_subscriptions"

    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), primary_key=True
    )
    event: Mapped[str] = mapped_column(String(40), primary_key=True)


class WebhookEvent(Base):
    """Something that happened, as receivers see it: the id is the event id."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookDelivery(Base):
    """One event on its way to one endpoint, retried with backoff, with its attempts logged."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_queue", "endpoint_id", "status", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    status: Mapped[DeliveryStatus] = mapped_column(
        text_enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    # An admin's Redeliver: one attempt, ahead of the queue, outside the event-id order.
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[WebhookEvent] = relationship()
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        cascade="all, delete-orphan", order_by="WebhookAttempt.id"
    )


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery: when, the response code (or the error) and how long."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
