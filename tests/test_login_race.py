"""One password check per delay, however many logins arrive at once.

The penetration test sent ten simultaneous logins just after a delay ran out and got two
password evaluations. Ten threads post at the same moment to the app (no work-slot gate, so
all ten run together) on PostgreSQL, with the limiter in memory and on Redis; argon2
verifications are counted (`recruit.passwords.WORK`), never timed.
"""

from __future__ import annotations

import threading
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recruit.passwords import WORK
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.conftest import AppFactory

WRONG = "summer holiday guess"
CONTENDERS = 10


def ready_browser(app: Flask) -> tuple[FlaskClient, str]:
    """A browser that has the login page open: its session and CSRF token."""
    client = app.test_client()
    return client, csrf_token_from(client.get("/login").get_data(as_text=True))


def post_together(browsers: list[tuple[FlaskClient, str]], email: str) -> list[int]:
    """Every browser posts the login form at the same instant; their statuses."""
    start = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def post(client: FlaskClient, token: str) -> None:
        start.wait(timeout=30)
        data = {"email": email, "password": WRONG, "csrf_token": token}
        statuses.append(client.post("/login", data=data).status_code)

    threads = [threading.Thread(target=post, args=pair) for pair in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.parametrize("backend", ["postgresql"])
def test_simultaneous_logins_after_the_delay_get_one_password_check(
    app_factory: AppFactory, store: dict[str, object], make: Factory
) -> None:
    app: Flask = app_factory(WEB_WORK_SLOTS=0, LOGIN_FREE_FAILURES=2, **store)
    user = make.candidate()
    first = app.test_client()
    for _ in range(2):
        assert submit(first, "/login", {"email": user.email, "password": WRONG}).status_code == 400
    browsers = [ready_browser(app) for _ in range(CONTENDERS)]
    time.sleep(1.2)  # the 1 s delay after the second failure runs out (waiting, not timing)
    before = WORK["verify"]
    statuses = post_together(browsers, user.email)
    assert WORK["verify"] - before == 1
    assert sorted(statuses) == [400] + [429] * (CONTENDERS - 1)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_simultaneous_first_logins_get_only_the_free_checks(
    app_factory: AppFactory, store: dict[str, object], make: Factory
) -> None:
    app: Flask = app_factory(WEB_WORK_SLOTS=0, LOGIN_FREE_FAILURES=3, **store)
    user = make.candidate()
    browsers = [ready_browser(app) for _ in range(CONTENDERS)]
    before = WORK["verify"]
    statuses = post_together(browsers, user.email)
    assert WORK["verify"] - before == 3
    assert sorted(statuses) == [400] * 3 + [429] * (CONTENDERS - 3)
