"""Forms for the candidate's account page: ask for a copy of their data, delete the account."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import InputRequired, Length


class RequestDataForm(FlaskForm):  # type: ignore[misc]
    """The "Download my data" button: a POST with its CSRF token and nothing else."""


class DeleteAccountForm(FlaskForm):  # type: ignore[misc]
    """Deleting the account asks for the password again."""

    password = PasswordField(
        "Enter your password to confirm",
        validators=[
            InputRequired("Enter your password"),
            Length(max=256, message="Enter your password"),
        ],
    )
