"""API: webhook endpoints and their delivery logs, for admins with a token (read to list and
read, write to change). The signing secret is in the answer that makes or rotates it, only."""

from __future__ import annotations

from typing import Any

from flask import Response

from recruit.api import etags, idempotency
from recruit.api.auth import authenticated, current_api_user
from recruit.api.blueprint import v1
from recruit.api.problems import ProblemError
from recruit.api.spec import arguments, problems, response, route
from recruit.api.webhook_schemas import (
    DeliveryFilterSchema,
    DeliveryPageSchema,
    DeliverySchema,
    EndpointInputSchema,
    EndpointListSchema,
    EndpointPatchSchema,
    EndpointSchema,
    NewEndpointSchema,
)
from recruit.extensions import db
from recruit.models import DeliveryStatus, Role, WebhookDelivery, WebhookEndpoint
from recruit.urls import external_url
from recruit.webhooks import endpoints
from recruit.webhooks.endpoints import EndpointError, EndpointInput

TAGS = ["Webhooks"]
RULE = "/webhooks/<int:endpoint_id>"
LOCATION = {"Location": {"description": "The endpoint's URL", "schema": {"type": "string"}}}


def _admin() -> Any:
    user = current_api_user()
    if user.role is not Role.ADMIN:
        raise ProblemError(403, "Only administrators manage webhooks.")
    return user


def _endpoint(endpoint_id: int, lock: bool = False) -> WebhookEndpoint:
    endpoint = endpoints.find(endpoint_id, lock)
    if endpoint is None:
        raise ProblemError(404, "No webhook endpoint has this id.")
    return endpoint


def shown(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The endpoint as the API shows it (no secret)."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "active": endpoint.active,
        "secret_prefix": endpoint.secret_prefix,
        "created_at": endpoint.created_at,
        "secret_rotated_at": endpoint.secret_rotated_at,
    }


def _refused(error: EndpointError) -> ProblemError:
    return ProblemError(422, str(error), errors={"json": {error.field: [str(error)]}})


@route(v1, "/webhooks", methods=["GET"], tags=TAGS)
@authenticated(v1)
@response(v1, 200, EndpointListSchema)
@problems(v1, 403)
def list_webhooks() -> dict[str, Any]:
    """Every webhook endpoint, oldest first."""
    _admin()
    return {"items": [shown(e) for e in endpoints.all_endpoints()]}


@route(v1, "/webhooks", methods=["POST"], tags=TAGS)
@authenticated(v1)
@idempotency.idempotent(v1)
@arguments(v1, EndpointInputSchema, location="json")
@response(v1, 201, NewEndpointSchema, headers=LOCATION)
@problems(v1, 403)
def create_webhook(fields: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Register an endpoint; the answer carries its signing secret, which is not shown again."""
    admin = _admin()
    data = EndpointInput(fields["url"], tuple(fields["events"]), fields["description"])
    try:
        endpoint, secret = endpoints.register(data, admin)
    except EndpointError as error:
        raise _refused(error) from error
    body = {**shown(endpoint), "secret": secret}
    idempotency.commit()
    location = external_url("api_v1.get_webhook", endpoint_id=endpoint.id)
    return body, 201, {"Location": location}


@route(v1, RULE, methods=["GET"], tags=TAGS)
@authenticated(v1)
@response(v1, 200, EndpointSchema, headers=etags.ETAG_HEADER)
@problems(v1, 403, 404)
def get_webhook(endpoint_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """One endpoint, with its ETag (send it as `If-Match` to change it)."""
    _admin()
    body = shown(_endpoint(endpoint_id))
    return body, 200, etags.etag_header(body)


@route(v1, RULE, methods=["PATCH"], tags=TAGS)
@authenticated(v1)
@idempotency.idempotent(v1, etags.IF_MATCH)
@arguments(v1, EndpointPatchSchema, location="json")
@response(v1, 200, EndpointSchema, headers=etags.ETAG_HEADER)
@problems(v1, 403, 404, 412, 428)
def update_webhook(
    changes: dict[str, Any], endpoint_id: int
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Change an endpoint's URL, events, description or whether it is on (`If-Match`)."""
    admin = _admin()
    etags.require_if_match()
    endpoint = _endpoint(endpoint_id, lock=True)  # the check and the write, together
    etags.check_if_match(shown(endpoint))
    data = EndpointInput(
        changes.get("url", endpoint.url),
        tuple(changes.get("events", endpoint.events)),
        changes.get("description", endpoint.description),
    )
    try:
        endpoints.update(endpoint, data, admin, changes.get("active", endpoint.active))
    except EndpointError as error:
        raise _refused(error) from error
    db.session.flush()
    body = shown(endpoint)
    idempotency.commit()
    return body, 200, etags.etag_header(body)


@route(v1, RULE, methods=["DELETE"], tags=TAGS)
@authenticated(v1)
@response(v1, 204)
@problems(v1, 403, 404)
def delete_webhook(endpoint_id: int) -> Response:
    """Delete an endpoint with its delivery log; nothing more is sent to it."""
    admin = _admin()
    endpoints.delete(_endpoint(endpoint_id), admin)
    db.session.commit()
    return Response(status=204)


@route(v1, RULE + "/rotate-secret", methods=["POST"], tags=TAGS)
@authenticated(v1)
@idempotency.idempotent(v1)
@response(v1, 200, NewEndpointSchema)
@problems(v1, 403, 404)
def rotate_webhook_secret(endpoint_id: int) -> dict[str, Any]:
    """Give the endpoint a new signing secret at once; the answer carries it, once."""
    admin = _admin()
    endpoint = _endpoint(endpoint_id)
    secret = endpoints.rotate_secret(endpoint, admin)
    body = {**shown(endpoint), "secret": secret}
    idempotency.commit()
    return body


def delivery_body(delivery: WebhookDelivery) -> dict[str, Any]:
    """A delivery as the API shows it, with its attempts."""
    pending = delivery.status is DeliveryStatus.PENDING
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "event_type": delivery.event.type,
        "status": delivery.status.value,
        "redelivery": delivery.manual,
        "attempts": [
            {
                "attempted_at": a.attempted_at,
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in delivery.attempt_log
        ],
        "created_at": delivery.created_at,
        "next_attempt_at": delivery.next_attempt_at if pending else None,
    }


@route(v1, RULE + "/deliveries", methods=["GET"], tags=TAGS)
@authenticated(v1)
@arguments(v1, DeliveryFilterSchema, location="query", as_kwargs=True)
@response(v1, 200, DeliveryPageSchema)
@problems(v1, 403, 404)
def list_webhook_deliveries(endpoint_id: int, before: int | None = None) -> dict[str, Any]:
    """The endpoint's delivery log, newest first, a page at a time."""
    _admin()
    _endpoint(endpoint_id)
    rows = endpoints.deliveries(endpoint_id, before)
    older = rows[-1].id if len(rows) == endpoints.LOG_PAGE else None
    return {"items": [delivery_body(d) for d in rows], "next_before": older}


@route(v1, RULE + "/deliveries/<int:delivery_id>/redeliver", methods=["POST"], tags=TAGS)
@authenticated(v1)
@idempotency.idempotent(v1)
@response(v1, 202, DeliverySchema)
@problems(v1, 403, 404)
def redeliver_webhook(endpoint_id: int, delivery_id: int) -> tuple[dict[str, Any], int]:
    """Send the delivery's event once more, straight away (one attempt, audited)."""
    admin = _admin()
    delivery = endpoints.find_delivery(endpoint_id, delivery_id)
    if delivery is None:
        raise ProblemError(404, "This endpoint has no delivery with this id.")
    again = endpoints.redeliver(delivery, admin)
    db.session.flush()
    db.session.refresh(again)
    body = delivery_body(again)
    idempotency.commit()
    return body, 202
