"""Brute-force protection and per-address rate limits on login, registration and reset.

The limiter's own tests run on both of its stores, in memory and on the test Redis (Lua), with
a stopped clock, so each delay can be stepped through exactly.
"""

from __future__ import annotations

import threading

from flask import Flask
from flask.testing import FlaskClient

from recruit.web.ratelimit import Attempt, Limiter, describe_wait
from testkit.factories import Factory
from testkit.forms import submit
from tests.conftest import AppFactory, base_config
from tests.support.clock import StoppedClock, stop_the_clock

LOCKED = "Too many failed attempts"
EMAIL = "a@example.org"
HOME, AWAY = "address:192.0.2.1", "address:198.51.100.7"


def login(client: FlaskClient, email: str, password: str) -> tuple[int, str]:
    response = submit(client, "/login", {"email": email, "password": password})
    return response.status_code, response.get_data(as_text=True)


def base_config_values(**overrides: object) -> dict[str, object]:
    """Full settings (defaults plus test values) for a Limiter built outside an app."""
    from pathlib import Path

    from recruit.config import load_config

    settings = load_config(base_config(Path("/nonexistent")), environ={})
    settings.update(overrides)
    return settings


def stopped_limiter(store: dict[str, object], **settings: object) -> tuple[Limiter, StoppedClock]:
    """A limiter on `store` with a stopped clock."""
    clock = StoppedClock()
    return Limiter(base_config_values(**store, **settings), clock=clock), clock


def fail(limiter: Limiter, client: str = HOME, email: str = EMAIL) -> Attempt:
    """One attempt that turns out to be a wrong password (it is counted when it begins)."""
    return limiter.begin_login(email, client, known_device=False)


# --- the app: delays, the 429 and its wording -------------------------------------------


def test_account_is_delayed_after_repeated_failures(client: FlaskClient, make: Factory) -> None:
    user = make.candidate()
    for _ in range(5):
        status, _ = login(client, user.email, "wrong password guess")
        assert status == 400
    status, body = login(client, user.email, user.password)  # even the right password waits
    assert status == 429
    assert LOCKED in body


def test_unknown_accounts_lock_the_same_way(client: FlaskClient) -> None:
    for _ in range(5):
        login(client, "ghost@example.org", "wrong password guess")
    status, body = login(client, "ghost@example.org", "wrong password guess")
    assert status == 429
    assert LOCKED in body


def test_the_lock_says_truthfully_how_long_to_wait(app: Flask, make: Factory) -> None:
    """Retry-After and the words agree with the real delay: 1 s, 2 s, ... 15 minutes."""
    clock = stop_the_clock(app)
    user, client = make.candidate(), app.test_client()
    for _ in range(5):
        login(client, user.email, "wrong password guess")
    seen = []
    for _ in range(11):
        refused = submit(client, "/login", {"email": user.email, "password": user.password})
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        seen.append((wait, refused.get_data(as_text=True)))
        clock.advance(wait)  # waiting as long as it says is always enough
        assert login(client, user.email, "wrong password guess")[0] == 400
    assert [wait for wait, _ in seen] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]
    assert "Wait 1 second and try again" in seen[0][1]
    assert "Wait 2 seconds and try again" in seen[1][1]
    assert "Wait 2 minutes and try again" in seen[6][1]  # 64 s, rounded up
    assert "Wait 15 minutes and try again" in seen[10][1]
    assert all("1 minute" not in body for _, body in seen[:6])


def test_waits_in_words_are_rounded_up_and_pluralised() -> None:
    words = {s: describe_wait(s) for s in (1, 2, 59, 60, 61, 119, 120, 900, 3600, 3601)}
    assert words == {
        1: "1 second",
        2: "2 seconds",
        59: "59 seconds",
        60: "1 minute",
        61: "2 minutes",
        119: "2 minutes",
        120: "2 minutes",
        900: "15 minutes",
        3600: "1 hour",
        3601: "2 hours",
    }


def test_the_owner_can_still_reset_while_locked(app: Flask, make: Factory) -> None:
    from tests.support.accounts import NEW_PASSWORD
    from tests.support.links import link_url, open_link
    from tests.support.resets import fulfil_reset_requests
    from tests.support.rows import outbox

    user = make.candidate()
    client = app.test_client()
    for _ in range(6):
        login(client, user.email, "wrong password guess")
    assert submit(client, "/forgot-password", {"email": user.email}).status_code == 302
    assert fulfil_reset_requests(app) == ["reset sent"]
    [row] = outbox(app, "password_reset")
    page = open_link(client, link_url(row, "reset_url"))
    assert submit(client, page, {"password": NEW_PASSWORD}).status_code == 302
    status, _ = login(app.test_client(), user.email, NEW_PASSWORD)
    assert status == 302


# --- the limiter, on both stores ----------------------------------------------------------


def test_delay_grows_with_each_failure(store: dict[str, object]) -> None:
    limiter, clock = stopped_limiter(store, LOGIN_FREE_FAILURES=2, LOGIN_MAX_DELAY_SECONDS=8)
    assert [fail(limiter).allowed for _ in range(3)] == [True, True, False]
    waits = []
    for _ in range(6):
        refused = fail(limiter)
        waits.append(refused.retry_after)
        clock.advance(refused.retry_after - 0.5)
        assert not fail(limiter).allowed  # not a moment early
        clock.advance(0.5)
        assert fail(limiter).allowed
    assert waits == [1, 2, 4, 8, 8, 8]


def test_one_clients_failures_do_not_delay_another(store: dict[str, object]) -> None:
    limiter, _ = stopped_limiter(store)
    for _ in range(5):
        assert fail(limiter, HOME).allowed
    refused = fail(limiter, HOME)
    assert (refused.allowed, refused.scope, refused.retry_after) == (False, "client", 1)
    assert fail(limiter, AWAY).allowed


def test_many_clients_reach_the_soft_ceiling_but_known_devices_pass(
    store: dict[str, object],
) -> None:
    limiter, clock = stopped_limiter(store, LOGIN_MAX_FAILURES_PER_HOUR=10)
    for address in ("address:203.0.113.1", "address:203.0.113.2"):
        for _ in range(5):
            assert fail(limiter, address).allowed
    refused = fail(limiter, "address:203.0.113.3")
    assert (refused.allowed, refused.scope, refused.retry_after) == (False, "account", 1)
    known = limiter.begin_login(EMAIL, "device:owner-laptop", known_device=True)
    assert known.allowed and not known.counted
    clock.advance(1)
    assert fail(limiter, "address:203.0.113.3").allowed  # then the shared delay doubles
    assert fail(limiter, "address:203.0.113.4").retry_after == 2


def test_one_client_alone_never_reaches_the_ceiling(store: dict[str, object]) -> None:
    """Only a client's free failures count account-wide: its delayed ones cost only itself."""
    limiter, clock = stopped_limiter(store, LOGIN_MAX_FAILURES_PER_HOUR=10)
    tries = 0
    while tries < 60:
        attempt = fail(limiter, HOME)
        tries += attempt.allowed
        clock.advance(max(attempt.retry_after, 1))
    assert fail(limiter, AWAY).allowed


def test_success_forgets_the_clients_failures(store: dict[str, object]) -> None:
    limiter, _ = stopped_limiter(store)
    for _ in range(4):
        fail(limiter)
    good = fail(limiter)
    limiter.login_succeeded(EMAIL, HOME, good)
    assert [fail(limiter).allowed for _ in range(6)] == [True] * 5 + [False]


def test_clearing_the_account_forgets_every_client(store: dict[str, object]) -> None:
    limiter, _ = stopped_limiter(store, LOGIN_MAX_FAILURES_PER_HOUR=5)
    for _ in range(5):
        fail(limiter, HOME)
    assert not fail(limiter, HOME).allowed
    assert fail(limiter, AWAY).scope == "account"
    limiter.clear_account(EMAIL)
    assert fail(limiter, HOME).allowed
    assert fail(limiter, AWAY).allowed


def test_simultaneous_attempts_after_the_delay_get_one_check(store: dict[str, object]) -> None:
    """Check-and-count is one step: ten at once, one slot, one password check."""
    limiter, clock = stopped_limiter(store, LOGIN_FREE_FAILURES=2)
    fail(limiter), fail(limiter)
    clock.advance(1)
    start = threading.Barrier(10)
    outcomes: list[bool] = []

    def contend() -> None:
        start.wait(timeout=10)
        outcomes.append(fail(limiter).allowed)

    threads = [threading.Thread(target=contend) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == [False] * 9 + [True]


# --- per-address limits -------------------------------------------------------------------


def test_per_address_limit_answers_429(app_factory: AppFactory) -> None:
    app = app_factory(RATELIMIT_PER_ADDRESS=3)
    client = app.test_client()
    statuses = [
        submit(client, "/forgot-password", {"email": f"x{i}@example.org"}).status_code
        for i in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    response = submit(client, "/register", {"full_name": "A", "email": "a@b.c", "password": "x"})
    assert response.status_code == 400  # a separate budget per action
    limited = submit(client, "/forgot-password", {"email": "y@example.org"})
    assert 295 <= int(limited.headers["Retry-After"]) <= 300  # what is left of the window
    assert "Too many attempts" in limited.get_data(as_text=True)


def test_address_limit_retry_after_is_what_is_left_of_the_window(store: dict[str, object]) -> None:
    limiter, clock = stopped_limiter(store, RATELIMIT_PER_ADDRESS=1, RATELIMIT_WINDOW_SECONDS=300)
    assert limiter.hit_address("login", "10.0.0.5").allowed
    if not store:  # the memory store follows the limiter's clock; Redis keeps its own time
        clock.advance(200)
        assert limiter.hit_address("login", "10.0.0.5").retry_after == 100
    else:
        assert 299 <= limiter.hit_address("login", "10.0.0.5").retry_after <= 300


def test_limits_keep_working_in_memory_when_redis_is_down() -> None:
    limiter = Limiter(
        base_config_values(REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_PER_ADDRESS=2)
    )
    results = [limiter.hit_address("login", "10.0.0.9").allowed for _ in range(3)]
    assert results == [True, True, False]
    assert [fail(limiter).allowed for _ in range(6)] == [True] * 5 + [False]


def test_redis_counters_are_shared_between_processes() -> None:
    from tests.support.worker import REDIS_URL, redis_or_skip

    redis_or_skip().close()
    config = base_config_values(REDIS_URL=REDIS_URL, RATELIMIT_PER_ADDRESS=2)
    first, second = Limiter(config), Limiter(config)
    assert first.hit_address("login", "10.0.0.7").allowed
    assert second.hit_address("login", "10.0.0.7").allowed
    assert not first.hit_address("login", "10.0.0.7").allowed
    for _ in range(5):
        assert fail(first).allowed
    assert fail(second).scope == "client"


def test_the_memory_store_forgets_what_has_expired() -> None:
    """Many addresses and accounts must not grow a process's memory for ever."""
    from recruit.web.ratelimit import PRUNE_EVERY

    limiter, clock = stopped_limiter({})
    for n in range(PRUNE_EVERY // 2):
        fail(limiter, f"address:10.1.{n // 250}.{n % 250}", f"user{n}@example.org")
    assert len(limiter.memory) == PRUNE_EVERY  # one client and one account key each
    clock.advance(3601)
    for n in range(PRUNE_EVERY):
        limiter.hit_address("login", f"10.2.{n // 250}.{n % 250}")
    assert len(limiter.memory) <= PRUNE_EVERY
