"""Webhook endpoint forms (admins only): register or change one, and the action buttons."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length

from recruit.admin.fields import options

EVENT_LABELS = {
    "application.submitted": "application.submitted – a candidate submitted an application",
    "application.stage_changed": "application.stage_changed – an application moved stage",
    "vacancy.closed": "vacancy.closed – a vacancy closed, by hand or at its closing time",
    "export.ready": "export.ready – an export can be downloaded",
}


class EndpointForm(FlaskForm):  # type: ignore[misc]
    """An endpoint's URL, description and events (and, when changing it, whether it is on)."""

    url = StringField(
        "Endpoint URL",
        validators=[
            InputRequired("Enter the endpoint URL, like https://example.com/hooks/recruit"),
            Length(max=2000, message="The URL must be 2000 characters or fewer"),
        ],
    )
    description = StringField(
        "Description (optional)",
        validators=[Length(max=200, message="The description must be 200 characters or fewer")],
    )
    events = SelectMultipleField(
        "Events to send",
        choices=options(EVENT_LABELS),
        validators=[InputRequired("Select at least one event")],
    )
    active = BooleanField("Send events to this endpoint", default=True)


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button that changes something (rotate, delete, redeliver): just the CSRF token."""
