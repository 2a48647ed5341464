"""Forms for accounts: register, log in, reset and set passwords."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length, ValidationError

from recruit.passwords import password_problem


def email_field(
    required: str = "Enter your email address", check_format: bool = True
) -> EmailField:
    """The email field every form shares: required, at most 254 characters, and well formed."""
    validators: list[Any] = [InputRequired(required)]
    if check_format:
        validators.append(
            Email("Enter an email address in the correct format, like name@example.com")
        )
    validators.append(Length(max=254, message="Email address must be 254 characters or fewer"))
    return EmailField("Email address", validators=validators)


class RegisterForm(FlaskForm):  # type: ignore[misc]
    """Create a candidate account."""

    full_name = StringField(
        "Full name",
        validators=[
            InputRequired("Enter your full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    email = email_field()
    password = PasswordField("Create a password", validators=[InputRequired("Create a password")])

    def validate_password(self, field: Any) -> None:
        """Apply the password policy with the name and email given on this form."""
        problem = password_problem(
            field.data or "", self.full_name.data or "", self.email.data or ""
        )
        if problem:
            raise ValidationError(problem)


class LoginForm(FlaskForm):  # type: ignore[misc]
    """Log in with email and password."""

    # Logging in never says "wrong format": any answer could hint at which accounts exist.
    email = email_field(check_format=False)
    password = PasswordField(
        "Password",
        validators=[
            InputRequired("Enter your password"),
            Length(max=1024, message="Password is too long"),
        ],
    )


class ForgotPasswordForm(FlaskForm):  # type: ignore[misc]
    """Ask for a reset link."""

    email = email_field()


class NewPasswordForm(FlaskForm):  # type: ignore[misc]
    """Choose a new password (reset or invitation)."""

    password = PasswordField("New password", validators=[InputRequired("Enter a new password")])

    def validate_password(self, field: Any) -> None:
        """Apply the password policy."""
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class ConfirmEmailForm(FlaskForm):  # type: ignore[misc]
    """Confirm an email address from its link: a button, so opening the link changes nothing."""
