"""Accounts as a browser uses them: register, log in through the real form."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from testkit.factories import DEFAULT_PASSWORD
from testkit.forms import submit

# A second strong password, for resets and invitations (the factories' users have the default).
NEW_PASSWORD = "a brand new river lantern"


def try_login(client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD) -> TestResponse:
    """Send the login form and return the answer, whatever it is."""
    return submit(client, "/login", {"email": email, "password": password})


def log_in(client: FlaskClient, user: SimpleNamespace) -> None:
    """Log `user` in through the real login form; the test fails if that does not work."""
    response = try_login(client, user.email, user.password)
    assert response.status_code == 302, response.get_data(as_text=True)


def register(client: FlaskClient, **overrides: Any) -> TestResponse:
    """Send the registration form for Amara Okafor, with any field overridden."""
    data = {"full_name": "Amara Okafor", "email": "amara@example.org", "password": DEFAULT_PASSWORD}
    data.update(overrides)
    return submit(client, "/register", data)
