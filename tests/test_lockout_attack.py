"""Malicious lockout: an attacker's wrong guesses cost the attacker, never the account's owner.

The penetration test kept an account locked for good with about 20 wrong passwords an hour
from one address. These tests run that attack (and a distributed one) with the limiter's
clock stopped, so hours pass in a moment, and show the owner still gets in.
"""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.wrappers import Response

from recruit.auth import devices
from testkit.factories import Factory
from testkit.forms import submit
from tests.conftest import AppFactory
from tests.support.accounts import try_login
from tests.support.clock import stop_the_clock
from tests.support.logs import app_log

ATTACKER = "203.0.113.9"
OWNER_HOME = "198.51.100.7"
WRONG = "summer holiday guess"


def browser(app: Flask, address: str) -> FlaskClient:
    """A browser at `address` that has never been here before."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def known_laptop(app: Flask, owner: SimpleNamespace, address: str) -> FlaskClient:
    """The owner's browser after one good login (and logout): it holds a known-device cookie."""
    laptop = browser(app, address)
    assert try_login(laptop, owner.email, owner.password).status_code == 302
    submit(laptop, "/applications", {}, action="/logout")
    assert laptop.get_cookie(devices.COOKIE_NAME, path="/login") is not None
    return laptop


def test_a_slow_attacker_from_one_address_never_locks_the_owner_out(
    app_factory: AppFactory, store: dict[str, object], make: Factory
) -> None:
    """The pentest's attack: a wrong guess every 3 minutes for 3 hours, from one address."""
    # Redis times the per-address window itself, in real time, while this test's hours pass
    # in seconds: 60 requests would be 60 in one window. At a real 20 an hour they are not.
    app = app_factory(RATELIMIT_PER_ADDRESS=1000, **store)
    owner = make.candidate()
    laptop = known_laptop(app, owner, ATTACKER)  # the owner behind the attacker's address
    clock = stop_the_clock(app)
    attacker, answers = browser(app, ATTACKER), Counter[int]()
    for minute in range(0, 180, 3):
        answers[try_login(attacker, owner.email, WRONG).status_code] += 1
        if minute % 30 == 15:
            # A browser that never logged in before, from the owner's own address, gets in...
            newcomer = browser(app, OWNER_HOME)
            assert try_login(newcomer, owner.email, owner.password).status_code == 302
            # ...and so does the owner's known laptop, behind the attacker's own address.
            assert try_login(laptop, owner.email, owner.password).status_code == 302
            submit(laptop, "/applications", {}, action="/logout")
        clock.advance(180)
    assert answers[429] > answers[400]  # the attacker is the one kept waiting
    assert answers[400] < 30  # 60 requests, about 15 guesses then one every 15 minutes
    refused = try_login(attacker, owner.email, owner.password)  # even with the right password
    assert refused.status_code == 429


def test_many_attackers_reach_the_soft_ceiling_but_the_owners_device_gets_in(
    app_factory: AppFactory, store: dict[str, object], make: Factory
) -> None:
    app = app_factory(LOGIN_MAX_FAILURES_PER_HOUR=10, LOG_JSON=True, **store)
    owner = make.candidate()
    laptop = known_laptop(app, owner, OWNER_HOME)
    stop_the_clock(app)
    with app_log() as logs:
        for n in range(1, 5):  # four addresses, five free guesses each: the ceiling is reached
            attacker = browser(app, f"203.0.113.{n}")
            for _ in range(5):
                try_login(attacker, owner.email, WRONG)
        new_phone = browser(app, "192.0.2.50")
        refused = try_login(new_phone, owner.email, owner.password)
    lockouts = [(line["scope"], line["failures"]) for line in logs.event("lockout")]
    assert lockouts == [("client", 5), ("client", 5), ("account", 10)]
    assert logs.event("login_locked")[-1]["scope"] == "account"
    assert refused.status_code == 429  # an unknown device waits with everyone else
    assert refused.headers["Retry-After"] == "1"
    assert "Wait 1 second" in refused.get_data(as_text=True)
    assert try_login(laptop, owner.email, owner.password).status_code == 302
    submit(laptop, "/applications", {}, action="/logout")
    laptop.environ_base["REMOTE_ADDR"] = "192.0.2.77"  # the laptop on another network
    assert try_login(laptop, owner.email, owner.password).status_code == 302


def test_a_known_device_still_needs_the_password_and_its_failures_delay_it(
    app_factory: AppFactory, store: dict[str, object], make: Factory
) -> None:
    app = app_factory(LOGIN_MAX_FAILURES_PER_HOUR=1, **store)
    owner = make.candidate()
    laptop = known_laptop(app, owner, OWNER_HOME)
    stop_the_clock(app)
    statuses = [try_login(laptop, owner.email, WRONG).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]
    assert try_login(laptop, owner.email, owner.password).status_code == 429


def test_the_cookie_is_bound_to_its_account(
    app_factory: AppFactory, store: dict[str, object], make: Factory
) -> None:
    app = app_factory(LOGIN_MAX_FAILURES_PER_HOUR=5, **store)
    owner, other = make.candidate(), make.candidate()
    laptop = known_laptop(app, owner, OWNER_HOME)
    stop_the_clock(app)
    for n, account in enumerate((owner, other)):
        attacker = browser(app, f"203.0.113.{n + 1}")
        for _ in range(5):
            try_login(attacker, account.email, WRONG)
    assert try_login(laptop, other.email, other.password).status_code == 429  # not its device
    assert try_login(laptop, owner.email, owner.password).status_code == 302  # its own account


def test_a_forged_or_foreign_cookie_is_not_a_known_device(app: Flask) -> None:
    with app.test_request_context():
        response = Response()
        devices.remember_device(response, "owner@example.org")
        value = response.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]
    for cookie, email, expected in (
        (value, "owner@example.org", True),
        (value, "OWNER@example.org ", True),
        (value, "someone.else@example.org", False),
        (value[:-2] + ("AA" if not value.endswith("AA") else "BB"), "owner@example.org", False),
        ("not-a-cookie", "owner@example.org", False),
    ):
        headers = {"Cookie": f"{devices.COOKIE_NAME}={cookie}"}
        with app.test_request_context("/login", headers=headers):
            assert (devices.known_device(email) is not None) is expected


@pytest.mark.parametrize("env", ["testing", "production"])
def test_the_cookie_is_httponly_strict_and_secure_in_production(
    app_factory: AppFactory, env: str
) -> None:
    app = app_factory(ENV=env)
    with app.test_request_context():
        response = Response()
        devices.remember_device(response, "owner@example.org")
    header = response.headers["Set-Cookie"]
    production = env == "production"
    assert header.startswith("__Secure-recruit_device=" if production else "recruit_device=")
    assert "; HttpOnly" in header and "; SameSite=Strict" in header and "; Path=/login" in header
    assert ("; Secure" in header) is production
    cookie = header.split(";", 1)[0]
    with app.test_request_context("/login", headers={"Cookie": cookie}):
        assert devices.known_device("owner@example.org") is not None  # and it is read back


def test_a_successful_login_sets_the_cookie(app: Flask, make: Factory) -> None:
    owner = make.candidate()
    client = browser(app, OWNER_HOME)
    response = try_login(client, owner.email, owner.password)
    assert response.status_code == 302
    [header] = [h for h in response.headers.getlist("Set-Cookie") if "recruit_device=" in h]
    assert "HttpOnly" in header
    failed = try_login(browser(app, OWNER_HOME), owner.email, WRONG)
    assert not [h for h in failed.headers.getlist("Set-Cookie") if "recruit_device=" in h]
