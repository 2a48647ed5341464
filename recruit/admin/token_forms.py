"""The personal access token forms: make one (name, scope, lifetime) and revoke one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import InputRequired, Length

from recruit.admin.fields import options
from recruit.models import TokenScope
from recruit.services.api_tokens import LIFETIMES

SCOPES = {
    TokenScope.READ.value: "Read – list and read what you can see on these pages",
    TokenScope.WRITE.value: "Read and write – also change what you can change on these pages",
}
LIFETIME_LABELS = {str(days): f"{days} days" for days in LIFETIMES}


class NewTokenForm(FlaskForm):  # type: ignore[misc]
    """Make a personal access token."""

    name = StringField(
        "Token name",
        validators=[
            InputRequired("Enter a name for the token"),
            Length(max=100, message="The name must be 100 characters or fewer"),
        ],
    )
    scope = RadioField(
        "What may the token do?",
        choices=options(SCOPES),
        validators=[InputRequired("Select what the token may do")],
    )
    lifetime = RadioField(
        "Expires after",
        choices=options(LIFETIME_LABELS),
        default="30",
        validators=[InputRequired("Select when the token expires")],
    )


class RevokeTokenForm(FlaskForm):  # type: ignore[misc]
    """The revoke button: the token's id and the CSRF token."""

    token_id = HiddenField()
