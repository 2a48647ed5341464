"""No enumeration: login, registration and reset answer alike for known and unknown emails.

Alike means the same status, the same body once per-response values (CSP nonces, CSRF tokens,
the email typed in) are blanked, and the same argon2 work, counted by `recruit.passwords.WORK`
rather than timed: the password work is what would make a response measurably slower. For
login and reset, the work is also the same SQL statements and the same tasks published to the
broker, counted, never timed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from recruit.passwords import WORK
from testkit.factories import DEFAULT_PASSWORD, Factory
from testkit.forms import CSRF_RE, submit
from testkit.statements import listening
from tests.support.worker import handed_over

KNOWN = "known.person@example.org"
UNKNOWN = "nobody.here@example.org"
NONCE_RE = re.compile(r'nonce="[^"]*"')


@dataclass(frozen=True)
class Answer:
    """What an attacker can observe of one submission."""

    status: int
    location: str
    body: str
    work: Counter[str]
    statements: tuple[str, ...]  # the SQL sent, in order, with placeholders for the values
    published: tuple[str, ...]  # the tasks handed to the broker, by name


def broker_tasks(app: Flask) -> dict[str, str]:
    """Messages waiting in the filesystem broker, file name to task name."""
    handed_over(app)
    queue = Path(app.config["BROKER_DIR"]) / "queue"
    return {
        path.name: str(json.loads(path.read_text())["headers"]["task"])
        for path in queue.glob("*.msg")
    }


def blank(body: str, email: str) -> str:
    """The body without what legitimately differs between two responses."""
    for token in CSRF_RE.findall(body):
        body = body.replace(token, "CSRF")
    return NONCE_RE.sub('nonce=""', body).replace(email, "EMAIL")


def observe(app: Flask, url: str, data: dict[str, str], email: str) -> Answer:
    """Submit from a fresh browser; follow one redirect, as a browser would show it."""
    client = app.test_client()
    queued = broker_tasks(app)
    statements: list[str] = []
    before = Counter(WORK)
    with listening(app, statements.append):
        response = submit(client, url, data)
    work = Counter(WORK)
    work.subtract(before)
    published = tuple(sorted(t for n, t in broker_tasks(app).items() if n not in queued))
    location = response.headers.get("Location", "")
    shown = client.get(location) if response.status_code == 302 else response
    body = blank(shown.get_data(as_text=True), email)
    return Answer(response.status_code, location, body, +work, tuple(statements), published)


def both(app: Flask, url: str, data: dict[str, str]) -> tuple[Answer, Answer]:
    """The answer for the known email and for the unknown one, same other fields."""
    known = observe(app, url, {**data, "email": KNOWN}, KNOWN)
    unknown = observe(app, url, {**data, "email": UNKNOWN}, UNKNOWN)
    return known, unknown


@pytest.fixture
def known(make: Factory) -> None:
    """An existing, verified candidate with the known email."""
    make.candidate(email=KNOWN)


def assert_alike(known: Answer, unknown: Answer) -> None:
    """Nothing observable differs."""
    assert known.status == unknown.status
    assert known.location == unknown.location
    assert known.body == unknown.body
    assert known.work == unknown.work


def assert_same_work(known: Answer, unknown: Answer) -> None:
    """The same statements, in the same order, and the same tasks published."""
    assert known.statements == unknown.statements
    assert known.published == unknown.published


@pytest.mark.usefixtures("known")
def test_login_failure_is_alike(app: Flask) -> None:
    observe(app, "/login", {"email": UNKNOWN, "password": "warm up"}, UNKNOWN)  # dummy hash made
    known, unknown = both(app, "/login", {"password": "a wrong password for sure"})
    assert known.status == 400
    assert known.work == Counter(verify=1)
    assert_alike(known, unknown)
    assert_same_work(known, unknown)


@pytest.mark.usefixtures("known")
def test_registration_is_alike(app: Flask) -> None:
    data = {"full_name": "Ola Nordmann", "password": "marble kettle orbit 1987"}
    known, unknown = both(app, "/register", data)
    assert known.status == 302
    assert known.work == Counter(hash=1)
    assert_alike(known, unknown)


@pytest.mark.usefixtures("known")
def test_registration_refusal_is_alike(app: Flask) -> None:
    known, unknown = both(app, "/register", {"full_name": "Ola Nordmann", "password": "short"})
    assert known.status == 400
    assert_alike(known, unknown)


@pytest.mark.usefixtures("known")
def test_password_reset_is_alike(app: Flask) -> None:
    known, unknown = both(app, "/forgot-password", {})
    assert known.status == 302
    assert_alike(known, unknown)


@pytest.mark.usefixtures("known")
def test_password_reset_does_the_same_work(app: Flask) -> None:
    """Same SQL and same publishes: a known email costs the request nothing extra."""
    observe(app, "/forgot-password", {"email": UNKNOWN}, UNKNOWN)  # sessions table warmed up
    known, unknown = both(app, "/forgot-password", {})
    assert known.published == ("recruit.outbox.deliver",)  # the request, for a worker
    assert any(s.lstrip().upper().startswith("INSERT INTO OUTBOX") for s in known.statements)
    assert_same_work(known, unknown)


@pytest.mark.usefixtures("known")
def test_password_reset_does_the_same_work_when_the_inbox_is_limited(app: Flask) -> None:
    """Asking again within the per-inbox limit does the same work as asking for an unknown."""
    from tests.support.resets import fulfil_reset_requests

    observe(app, "/forgot-password", {"email": KNOWN}, KNOWN)
    assert fulfil_reset_requests(app) == ["reset sent"]
    known, unknown = both(app, "/forgot-password", {})
    assert fulfil_reset_requests(app) == ["reset limited", "reset unknown"]
    assert_alike(known, unknown)
    assert_same_work(known, unknown)


@pytest.mark.usefixtures("known")
def test_lockout_is_alike(app: Flask) -> None:
    """Known and unknown accounts lock after the same number of failures, with the same page."""
    answers = []
    for email in (KNOWN, UNKNOWN):
        client = app.test_client()
        for _ in range(5):
            submit(client, "/login", {"email": email, "password": "wrong password guess"})
        response = submit(client, "/login", {"email": email, "password": DEFAULT_PASSWORD})
        answers.append((response.status_code, blank(response.get_data(as_text=True), email)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 429
