"""Managing webhook endpoints (admins only): register, change, rotate the secret, redeliver.

Services: they change the session and record the audit event, and never commit. The signing
secret is returned once, by `register` and `rotate_secret`, for the admin to copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from recruit.extensions import db, open_write_transaction
from recruit.models import (
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
    WebhookSubscription,
    utcnow,
)
from recruit.services import audit
from recruit.webhooks.addresses import UnsafeUrlError, check_url
from recruit.webhooks.signing import new_secret

EVENT_TYPES = [e.value for e in WebhookEventType]
LOG_PAGE = 50  # deliveries per page of an endpoint's log


class EndpointError(ValueError):
    """What the admin asked for cannot be saved; `field` names the part that is wrong."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class EndpointInput:
    """What an admin gives for an endpoint."""

    url: str
    events: tuple[str, ...]
    description: str = ""


def checked(data: EndpointInput, saved_url: str | None = None) -> EndpointInput:
    """The input with its URL checked (SSRF guard: a DNS lookup, skipped when the URL is the
    `saved_url` it already has, which every send checks again) and events validated, or
    EndpointError."""
    url = data.url.strip()
    if url != saved_url:
        try:
            url = check_url(url, bool(current_app.config["WEBHOOK_ALLOW_LOOPBACK"]))
        except UnsafeUrlError as exc:
            raise EndpointError(str(exc), "url") from exc
    events = tuple(sorted(set(data.events)))
    if not events:
        raise EndpointError("Select at least one event", "events")
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise EndpointError(f"Unknown event {unknown[0]!r}", "events")
    description = data.description.strip()
    if len(description) > 200:
        raise EndpointError("Enter a description of up to 200 characters", "description")
    return EndpointInput(url, events, description)


def register(data: EndpointInput, actor: User) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (shown once)."""
    valid = checked(data)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=valid.url,
        description=valid.description,
        secret=secret,
        secret_prefix=secret[:12],
        active=True,
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    _subscribe(endpoint, valid.events)
    db.session.add(endpoint)
    db.session.flush()
    audit.record("webhook_endpoint_created", actor, detail=f"endpoint {endpoint.id}")
    return endpoint, secret


def update(endpoint: WebhookEndpoint, data: EndpointInput, actor: User, active: bool) -> None:
    """Change the URL, events, description and whether it is active (an unchanged URL is not
    looked up again, so an endpoint whose host has gone can still be switched off)."""
    valid = checked(data, endpoint.url)
    endpoint.url = valid.url
    endpoint.description = valid.description
    endpoint.active = active
    _subscribe(endpoint, valid.events)
    audit.record("webhook_endpoint_changed", actor, detail=f"endpoint {endpoint.id}")


def rotate_secret(endpoint: WebhookEndpoint, actor: User) -> str:
    """Give the endpoint a new signing secret at once; returns it (shown once)."""
    secret = new_secret()
    endpoint.secret = secret
    endpoint.secret_prefix = secret[:12]
    endpoint.secret_rotated_at = utcnow()
    audit.record("webhook_secret_rotated", actor, detail=f"endpoint {endpoint.id}")
    return secret


def delete(endpoint: WebhookEndpoint, actor: User) -> None:
    """Delete the endpoint with its deliveries and their log."""
    audit.record("webhook_endpoint_deleted", actor, detail=f"endpoint {endpoint.id}")
    db.session.delete(endpoint)


def _subscribe(endpoint: WebhookEndpoint, events: Iterable[str]) -> None:
    wanted = set(events)
    endpoint.subscriptions = [s for s in endpoint.subscriptions if s.event in wanted]
    have = {s.event for s in endpoint.subscriptions}
    endpoint.subscriptions.extend(WebhookSubscription(event=e) for e in sorted(wanted - have))


def all_endpoints() -> list[WebhookEndpoint]:
    """Every endpoint, oldest first, with its subscriptions."""
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .options(selectinload(WebhookEndpoint.subscriptions))
            .order_by(WebhookEndpoint.id)
        )
    )


def find(endpoint_id: int, lock: bool = False) -> WebhookEndpoint | None:
    """The endpoint with this id, or None; `lock` reads it afresh with its row locked until the
    transaction ends (on SQLite, which ignores FOR UPDATE, the write transaction is opened
    first instead, as `recruit.api.access.lock_vacancy` does)."""
    if lock:
        open_write_transaction()
    return db.session.get(
        WebhookEndpoint, endpoint_id, with_for_update=lock, populate_existing=lock
    )


def deliveries(endpoint_id: int, before: int | None = None) -> list[WebhookDelivery]:
    """A page of the endpoint's delivery log, newest first, with each event and its attempts."""
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .options(selectinload(WebhookDelivery.event), selectinload(WebhookDelivery.attempt_log))
        .order_by(WebhookDelivery.id.desc())
        .limit(LOG_PAGE)
    )
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    return list(db.session.scalars(query))


def find_delivery(endpoint_id: int, delivery_id: int) -> WebhookDelivery | None:
    """The endpoint's delivery with this id, or None."""
    return db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id
        )
    )


def redeliver(delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Queue one more attempt of the same event to the same endpoint, ahead of the queue.

    It is a new delivery row (so the log keeps both), tried once and not retried; it is
    published after the caller commits.
    """
    again = WebhookDelivery(
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        manual=True,
        next_attempt_at=utcnow(),
    )
    db.session.add(again)
    db.session.flush()
    audit.record(
        "webhook_redelivered",
        actor,
        detail=f"endpoint {delivery.endpoint_id} event {delivery.event_id} delivery {again.id}",
    )
    return again
