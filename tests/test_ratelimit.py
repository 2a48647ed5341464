"""Brute-force protection and per-address rate limits on login, registration and reset."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from recruit.ratelimit import Limiter
from tests.conftest import AppFactory, base_config
from tests.factories import Factory
from tests.support.forms import submit

LOCKED = "Too many failed attempts"


def login(client: FlaskClient, email: str, password: str) -> tuple[int, str]:
    response = submit(client, "/login", {"email": email, "password": password})
    return response.status_code, response.get_data(as_text=True)


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


def test_the_owner_can_still_reset_while_locked(app: Flask, make: Factory) -> None:
    from tests.test_auth import NEW_PASSWORD, link_token, outbox

    user = make.candidate()
    client = app.test_client()
    for _ in range(6):
        login(client, user.email, "wrong password guess")
    assert submit(client, "/forgot-password", {"email": user.email}).status_code == 302
    [row] = outbox(app, "password_reset")
    token = link_token(row, "reset_url")
    assert submit(client, f"/reset-password/{token}", {"password": NEW_PASSWORD}).status_code == 302
    status, _ = login(app.test_client(), user.email, NEW_PASSWORD)
    assert status == 302


def test_hard_ceiling_per_hour() -> None:
    config = base_config_values(LOGIN_FREE_FAILURES=1000, LOGIN_MAX_FAILURES_PER_HOUR=3)
    limiter = Limiter(config)
    for _ in range(3):
        assert limiter.check_account("a@example.org").allowed
        limiter.record_failure("a@example.org")
    decision = limiter.check_account("a@example.org")
    assert not decision.allowed
    assert decision.retry_after == 3600


def test_delay_grows_with_each_failure() -> None:
    limiter = Limiter(base_config_values(LOGIN_FREE_FAILURES=2))
    waits = []
    for _ in range(5):
        limiter.record_failure("b@example.org")
        waits.append(limiter.check_account("b@example.org").retry_after)
    assert waits[0] == 0
    assert waits[2] < waits[3] < waits[4]


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
    assert limited.headers["Retry-After"] == "300"
    assert "Too many attempts" in limited.get_data(as_text=True)


def test_limits_keep_working_in_memory_when_redis_is_down() -> None:
    limiter = Limiter(
        base_config_values(REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_PER_ADDRESS=2)
    )
    results = [limiter.hit_address("login", "10.0.0.9").allowed for _ in range(3)]
    assert results == [True, True, False]


def test_redis_counters_are_shared_between_processes() -> None:
    import redis

    from tests.support.databases import unavailable

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1).ping()
    except redis.RedisError:
        unavailable("Redis is not reachable at 127.0.0.1:6379")
    config = base_config_values(REDIS_URL="redis://127.0.0.1:6379/0", RATELIMIT_PER_ADDRESS=2)
    first, second = Limiter(config), Limiter(config)
    assert first.hit_address("login", "10.0.0.7").allowed
    assert second.hit_address("login", "10.0.0.7").allowed
    assert not first.hit_address("login", "10.0.0.7").allowed


def base_config_values(**overrides: object) -> dict[str, object]:
    """Full settings (defaults plus test values) for a Limiter built outside an app."""
    from pathlib import Path

    from recruit.config import load_config

    settings = load_config(base_config(Path("/nonexistent")), environ={})
    settings.update(overrides)
    return settings
