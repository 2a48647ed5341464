"""The shapes of webhook endpoints and their deliveries in the API (admins only)."""

from __future__ import annotations

from typing import Final

from marshmallow import Schema, fields, validate

from recruit.api.schemas import NO_NUL
from recruit.models import DeliveryStatus, WebhookEventType

EVENTS: Final = [e.value for e in WebhookEventType]
# The URL's shape, for the document: HTTPS, no user name or password, no #fragment. Whether the
# host is on the public internet (the SSRF guard) is checked when the URL is saved and on every
# send (`recruit.webhooks.addresses`); no pattern can state that, so this one documents the shape.
URL_PATTERN: Final = r"^https://[-.:\[\]0-9A-Za-z]+(/[!$%&-;=@-Z_a-z~]*)?(\?[!$%&-;=?-Z_a-z~]*)?$"
URL_DOC: Final = {
    "description": (
        "An https:// URL whose host is on the public internet: a private, loopback or "
        "link-local address is refused (422)"
    ),
    "format": "uri",
    "pattern": URL_PATTERN,
}


class EndpointInputSchema(Schema):
    """A new endpoint: its HTTPS URL, the events it receives, and an optional description."""

    url = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=2000), NO_NUL],
        metadata=URL_DOC,
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENTS)),
        required=True,
        validate=validate.Length(min=1, max=len(EVENTS)),
    )
    description = fields.String(load_default="", validate=[validate.Length(max=200), NO_NUL])


class EndpointPatchSchema(Schema):
    """Changes to an endpoint: any of its URL, events, description and whether it is on."""

    url = fields.String(validate=[validate.Length(min=1, max=2000), NO_NUL], metadata=URL_DOC)
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENTS)),
        validate=validate.Length(min=1, max=len(EVENTS)),
    )
    description = fields.String(validate=[validate.Length(max=200), NO_NUL])
    active = fields.Boolean()


class EndpointSchema(Schema):
    """An endpoint as admins see it: never its secret, only the secret's first characters."""

    id = fields.Integer(required=True)
    url = fields.String(required=True)
    description = fields.String(required=True)
    events = fields.List(fields.String(validate=validate.OneOf(EVENTS)), required=True)
    active = fields.Boolean(required=True)
    secret_prefix = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    secret_rotated_at = fields.DateTime(required=True, allow_none=True)


class NewEndpointSchema(EndpointSchema):
    """An endpoint just made (or its secret just rotated), with its signing secret: shown once."""

    secret = fields.String(
        required=True, metadata={"description": "The signing secret; it is not shown again"}
    )


class EndpointListSchema(Schema):
    """Every endpoint, oldest first."""

    items = fields.List(fields.Nested(EndpointSchema), required=True)


class AttemptSchema(Schema):
    """One HTTP attempt: when, the response code (null: no answer) and the error if none."""

    attempted_at = fields.DateTime(required=True)
    status_code = fields.Integer(required=True, allow_none=True)
    error = fields.String(required=True, allow_none=True)
    duration_ms = fields.Integer(required=True)


class DeliverySchema(Schema):
    """One event on its way to the endpoint, with every attempt."""

    id = fields.Integer(required=True)
    event_id = fields.Integer(required=True)
    event_type = fields.String(required=True, validate=validate.OneOf(EVENTS))
    status = fields.String(
        required=True, validate=validate.OneOf([s.value for s in DeliveryStatus])
    )
    redelivery = fields.Boolean(required=True)
    attempts = fields.List(fields.Nested(AttemptSchema), required=True)
    created_at = fields.DateTime(required=True)
    next_attempt_at = fields.DateTime(required=True, allow_none=True)


class DeliveryPageSchema(Schema):
    """A page of the delivery log, newest first; `next_before` fetches the older page."""

    items = fields.List(fields.Nested(DeliverySchema), required=True)
    next_before = fields.Integer(required=True, allow_none=True)


class DeliveryFilterSchema(Schema):
    """Which page of the log: deliveries with ids below `before` (newest first)."""

    before = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
