"""No password, emailed token or session id ever reaches a log, whatever the level.

The whole account life cycle runs with canary values while every logger records at DEBUG; then
every captured record (message, arguments, extras, exception text, both app formats) and the
app handler's own output are searched for each canary.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recruit.models import OutboxMessage
from tests.conftest import AppFactory
from tests.support.forms import submit
from tests.support.logs import Capture, capture_all_logs
from tests.test_auth import link_token, outbox
from worker.celery_app import celery_init_app
from worker.tasks import deliver

EMAIL = "canary.candidate@example.org"


def canary(kind: str) -> str:
    """A value that cannot appear by chance, strong enough for the password policy."""
    return f"canary-{kind}-{uuid.uuid4().hex}"


@dataclass
class Canaries:
    """Every secret the journey handles; none may be logged."""

    values: list[str] = field(default_factory=list)

    def new(self, kind: str) -> str:
        """Make, remember and return a canary."""
        value = canary(kind)
        self.values.append(value)
        return value

    def add(self, value: str) -> str:
        """Remember a secret the app made (a token, a session id) and return it."""
        assert len(value) >= 16
        self.values.append(value)
        return value


@pytest.fixture
def app(app_factory: AppFactory) -> Flask:
    """A DEBUG-level app whose emails are delivered in this process by the real task."""
    application = app_factory(LOG_LEVEL="DEBUG")
    celery_init_app(application)
    return application


def deliver_all(app: Flask) -> None:
    """Send every queued email with the worker's task, as a worker would."""
    for row in outbox(app):
        deliver(row.id)


def newest(app: Flask, template: str) -> OutboxMessage:
    """The most recent email of one template."""
    return outbox(app, template)[-1]


def session_id(client: FlaskClient, secrets: Canaries) -> None:
    """Remember the browser's current session cookie as a canary."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    secrets.add(cookie.value)


def register_and_verify(app: Flask, client: FlaskClient, secrets: Canaries) -> str:
    """Create the account with a canary password and confirm it; return the password."""
    password = secrets.new("register")
    data = {"full_name": "Amara Okafor", "email": EMAIL, "password": password}
    assert submit(client, "/register", data).status_code == 302
    token = secrets.add(link_token(newest(app, "verify_email"), "verify_url"))
    deliver_all(app)
    assert client.get(f"/verify/{token}").status_code == 302
    session_id(client, secrets)
    assert client.get(f"/verify/{token}").status_code == 410  # replay, logged as a bad link
    submit(client, "/applications", {}, action="/logout")
    return password


def log_in_and_fail(client: FlaskClient, password: str, secrets: Canaries) -> None:
    """A good login, then enough bad ones to lock the account."""
    good = submit(client, "/login", {"email": EMAIL, "password": password})
    assert good.status_code == 302
    session_id(client, secrets)
    client.get("/applications")
    submit(client, "/applications", {}, action="/logout")
    wrong = secrets.new("wrong")
    for _ in range(6):
        submit(client, "/login", {"email": EMAIL, "password": wrong})
    again = {"email": EMAIL, "password": secrets.new("again")}
    assert submit(client, "/register", {**again, "full_name": "Amara Okafor"}).status_code == 302


def reset_password(app: Flask, client: FlaskClient, secrets: Canaries) -> str:
    """Reset the password from the emailed link; return the new password."""
    assert submit(client, "/forgot-password", {"email": EMAIL}).status_code == 302
    token = secrets.add(link_token(newest(app, "password_reset"), "reset_url"))
    deliver_all(app)
    new_password = secrets.new("reset")
    reset = submit(client, f"/reset-password/{token}", {"password": new_password})
    assert reset.status_code == 302
    assert client.get(f"/reset-password/{token}").status_code == 410
    forged = secrets.new("forged-token")
    client.post(f"/reset-password/{forged}", data={"password": secrets.new("no-csrf")})
    client.get(f"/verify/{forged}")
    deliver_all(app)
    return new_password


def journey(app: Flask, secrets: Canaries) -> None:
    """Register, verify, log in, fail, get locked, reset, log in again."""
    client = app.test_client()
    password = register_and_verify(app, client, secrets)
    log_in_and_fail(client, password, secrets)
    new_password = reset_password(app, client, secrets)
    fresh = app.test_client()
    assert submit(fresh, "/login", {"email": EMAIL, "password": new_password}).status_code == 302
    session_id(fresh, secrets)
    fresh.get("/applications")


@pytest.fixture
def captured(app: Flask) -> Iterator[tuple[Capture, list[str], Canaries]]:
    """Run the journey under full capture; yield the records, the handler output, the secrets."""
    secrets = Canaries()
    with capture_all_logs() as (capture, stream):
        journey(app, secrets)
    yield capture, [stream.getvalue()], secrets


def test_the_capture_saw_the_journey(captured: tuple[Capture, list[str], Canaries]) -> None:
    capture, written, _ = captured
    events = set(capture.events())
    expected = {"login_succeeded", "login_failed", "lockout", "login_locked", "password_reset"}
    assert expected <= events, events
    assert {"reset_requested", "email_verified", "bad_link_verify", "csrf_failed"} <= events
    assert any("outbox" in text and "sent" in text for text in capture.texts)  # the worker ran
    assert "login succeeded" in written[0]


def test_no_canary_in_any_log(captured: tuple[Capture, list[str], Canaries]) -> None:
    capture, written, secrets = captured
    assert len(secrets.values) >= 10
    texts = capture.texts + written
    leaks = [(value, text) for value in secrets.values for text in texts if value in text]
    assert leaks == [], f"{len(leaks)} leaks, first: {leaks[:1]}"
