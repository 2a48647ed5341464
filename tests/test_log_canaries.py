"""No password, emailed token or session id ever reaches a log, whatever the level.

The whole account life cycle runs with canary values while every logger records at DEBUG; then
every captured record (message, arguments, extras, exception text, both app formats) and the
app handler's own output are searched for each canary. The same journey then runs over HTTP
against real server processes, gunicorn with our gunicorn.conf.py and `make run`'s development
server, and their whole output (request log, app log) is searched too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from recruit.models import OutboxMessage
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.conftest import AppFactory
from tests.support.links import link_token, link_url, open_link, relative
from tests.support.logs import Capture, capture_all_logs
from tests.support.rows import outbox
from tests.support.webserver import WebServer, running_web_server
from worker.celery_app import celery_init_app
from worker.tasks import deliver

EMAIL = "canary.candidate@example.org"
INVITEE = "canary.recruiter@example.org"


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

    def leaks(self, texts: list[str]) -> list[tuple[str, str]]:
        """Each (secret, text) pair where the text holds the secret."""
        return [(value, text) for value in self.values for text in texts if value in text]


@pytest.fixture
def app(app_factory: AppFactory) -> Flask:
    """A DEBUG-level app whose emails are delivered in this process by the real task."""
    application = app_factory(LOG_LEVEL="DEBUG")
    celery_init_app(application)
    return application


def deliver_all(app: Flask) -> None:
    """Run the worker's task on every queued row (reset requests and emails), as a worker would."""
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
    row = newest(app, "verify_email")
    secrets.add(link_token(row, "verify_url"))
    deliver_all(app)
    assert submit(client, open_link(client, link_url(row, "verify_url")), {}).status_code == 302
    again = client.get(relative(link_url(row, "verify_url")), follow_redirects=True)
    assert again.status_code == 410  # replay, logged as a bad link
    assert submit(client, "/login", {"email": EMAIL, "password": password}).status_code == 302
    session_id(client, secrets)
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
    deliver_all(app)  # the worker acts on the request and queues the email
    link = link_url(newest(app, "password_reset"), "reset_url")
    secrets.add(link_token(newest(app, "password_reset"), "reset_url"))
    deliver_all(app)
    new_password = secrets.new("reset")
    reset = submit(client, open_link(client, link), {"password": new_password})
    assert reset.status_code == 302
    assert client.get(relative(link), follow_redirects=True).status_code == 410
    forged = secrets.new("forged-token")
    client.post(f"/reset-password?token={forged}", data={"password": secrets.new("no-csrf")})
    client.get(f"/verify-email?token={forged}", follow_redirects=True)
    client.get(f"/verify/{forged}")  # the old shape of link
    deliver_all(app)
    return new_password


def accept_invitation(app: Flask, make: Factory, secrets: Canaries) -> None:
    """An admin invites a recruiter, who sets a canary password from the emailed link."""
    admin = app.test_client()
    owner = make.admin()
    login = {"email": owner.email, "password": owner.password}
    assert submit(admin, "/login", login).status_code == 302
    form = {"full_name": "Rhys Recruiter", "email": INVITEE, "role": "recruiter"}
    assert submit(admin, "/admin/users/invite", form).status_code == 302
    row = newest(app, "recruiter_invite")
    secrets.add(link_token(row, "accept_url"))
    deliver_all(app)
    invitee = app.test_client()
    page = open_link(invitee, link_url(row, "accept_url"))
    assert submit(invitee, page, {"password": secrets.new("invite")}).status_code == 302
    session_id(invitee, secrets)


def journey(app: Flask, secrets: Canaries) -> None:
    """Register, verify, log in, fail, get locked, reset, log in again; accept an invitation."""
    client = app.test_client()
    password = register_and_verify(app, client, secrets)
    log_in_and_fail(client, password, secrets)
    new_password = reset_password(app, client, secrets)
    fresh = app.test_client()
    assert submit(fresh, "/login", {"email": EMAIL, "password": new_password}).status_code == 302
    session_id(fresh, secrets)
    fresh.get("/applications")
    accept_invitation(app, Factory(app), secrets)


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
    assert {"bad_link_reset", "invite_accepted"} <= events
    assert any("outbox" in text and "sent" in text for text in capture.texts)  # the worker ran
    assert "login succeeded" in written[0]


def test_no_canary_in_any_log(captured: tuple[Capture, list[str], Canaries]) -> None:
    capture, written, secrets = captured
    assert len(secrets.values) >= 14
    leaks = secrets.leaks(capture.texts + written)
    assert leaks == [], f"{len(leaks)} leaks, first: {leaks[:1]}"


# Over HTTP, against real processes: what a browser does, and what the server writes about it.


def post_form(http: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    """GET a page (following redirects), then POST `data` with its CSRF token to where it ended."""
    page = http.get(url, timeout=30)
    assert page.status_code == 200, f"GET {url} answered {page.status_code}"
    payload = {**data, "csrf_token": csrf_token_from(page.text)}
    return http.post(page.url, data=payload, allow_redirects=False, timeout=30)


def follow_link(http: requests.Session, server: WebServer, url: str) -> str:
    """Open an emailed link as a browser would; return the token-free page it lands on."""
    first = http.get(server.base_url + relative(url), allow_redirects=False, timeout=30)
    assert first.status_code == 303, first.status_code
    assert first.headers["Referrer-Policy"] == "no-referrer"
    return server.base_url + first.headers["Location"]


def http_journey(app: Flask, server: WebServer, secrets: Canaries) -> None:
    """Verify, reset and accept an invitation through the server, each from its emailed link."""
    http, base = requests.Session(), server.base_url
    password = secrets.new("http-register")
    data = {"full_name": "Amara Okafor", "email": EMAIL, "password": password}
    assert post_form(http, f"{base}/register", data).status_code == 302
    verify = link_url(newest(app, "verify_email"), "verify_url")
    secrets.add(link_token(newest(app, "verify_email"), "verify_url"))
    assert post_form(http, follow_link(http, server, verify), {}).status_code == 302
    assert http.get(base + relative(verify), timeout=30).status_code == 410  # spent
    assert post_form(http, f"{base}/forgot-password", {"email": EMAIL}).status_code == 302
    deliver_all(app)  # the worker acts on the request and queues the email
    reset = link_url(newest(app, "password_reset"), "reset_url")
    secrets.add(link_token(newest(app, "password_reset"), "reset_url"))
    new_password = {"password": secrets.new("http-reset")}
    assert post_form(http, follow_link(http, server, reset), new_password).status_code == 302
    owner = Factory(app).admin()
    admin = requests.Session()
    login = {"email": owner.email, "password": owner.password}
    assert post_form(admin, f"{base}/login", login).status_code == 302
    form = {"full_name": "Rhys Recruiter", "email": INVITEE, "role": "recruiter"}
    assert post_form(admin, f"{base}/admin/users/invite", form).status_code == 302
    invite = link_url(newest(app, "recruiter_invite"), "accept_url")
    secrets.add(link_token(newest(app, "recruiter_invite"), "accept_url"))
    invited = requests.Session()
    chosen = {"password": secrets.new("http-invite")}
    assert post_form(invited, follow_link(invited, server, invite), chosen).status_code == 302
    # A Referer carrying a token: a page of ours, or another site's.
    referer = f"http://recruit.test/reset-password?token={secrets.new('http-referer')}"
    http.get(f"{base}/", headers={"Referer": referer}, timeout=30)


@pytest.mark.parametrize(
    ("server", "backend"),
    [("gunicorn", "postgresql"), ("devserver", "sqlite")],
    indirect=["backend"],
)
def test_no_token_in_a_real_servers_output(app: Flask, server: str, tmp_path: Path) -> None:
    """gunicorn (production) and the dev server (`make run`): request log and app log alike."""
    secrets = Canaries()
    with running_web_server(app, server, tmp_path / server) as web:
        http_journey(app, web, secrets)
    written = web.log()
    for page in ("/verify-email", "/reset-password", "/invitation"):
        assert f"GET {page} HTTP/1.1" in written, f"no request line for {page}:\n{written}"
    assert "email verified" in written and "invitation accepted" in written  # the app's log
    leaks = [value for value, _ in secrets.leaks([written])]
    assert leaks == [], f"{len(leaks)} secrets in the output of {server}, e.g. {leaks[:1]}"
