"""GET /healthz: ok or unavailable for anyone; the details for an admin or the health token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from recruit import create_app
from testkit.factories import Factory
from tests.conftest import AppFactory, base_config
from tests.support.accounts import log_in

TOKEN = "health-token-for-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def test_healthy_on_the_embedded_default(app_factory: AppFactory) -> None:
    response = app_factory(HEALTH_TOKEN=TOKEN).test_client().get("/healthz", headers=BEARER)
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "transport": "filesystem"}


def test_anonymous_callers_learn_only_ok(app_factory: AppFactory) -> None:
    client = app_factory(HEALTH_TOKEN=TOKEN).test_client()
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}):
        response = client.get("/healthz", headers=headers)
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok"}, headers


def test_an_admin_session_sees_the_details(app_factory: AppFactory) -> None:
    app = app_factory()  # no token configured: the admin's session is enough
    client = app.test_client()
    log_in(client, Factory(app).admin())
    body = client.get("/healthz").get_json()
    assert body["database"]["ok"] is True and "worker" in body and "outbox" in body


@pytest.mark.parametrize("role", ["candidate", "recruiter"])
def test_other_sessions_do_not(app_factory: AppFactory, role: str) -> None:
    app = app_factory()
    client = app.test_client()
    log_in(client, getattr(Factory(app), role)())
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_unavailable_when_the_broker_is_unreachable(tmp_path: Path) -> None:
    config = base_config(tmp_path / "inst")
    config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    config["HEALTH_TOKEN"] = TOKEN
    client = create_app(config).test_client()
    response = client.get("/healthz", headers=BEARER)
    assert response.status_code == 503
    body = response.get_json()
    assert body["broker"]["ok"] is False
    assert body["status"] == "unavailable"
    anonymous = client.get("/healthz")
    assert anonymous.status_code == 503
    assert anonymous.get_json() == {"status": "unavailable"}  # not which part, nor why


def test_unavailable_when_the_database_is_unreachable(tmp_path: Path) -> None:
    config = base_config(tmp_path / "inst")
    config["DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    config["HEALTH_TOKEN"] = TOKEN
    client = create_app(config).test_client()
    response = client.get("/healthz", headers=BEARER)
    assert response.status_code == 503
    assert response.get_json()["database"]["ok"] is False
    anonymous = client.get("/healthz")
    assert anonymous.status_code == 503
    assert anonymous.get_json() == {"status": "unavailable"}


def test_healthy_with_redis(tmp_path: Path) -> None:
    import redis

    from tests.support.databases import unavailable

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1).ping()
    except redis.RedisError:
        unavailable("Redis is not reachable at 127.0.0.1:6379")
    config = base_config(tmp_path / "inst")
    config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    config["HEALTH_TOKEN"] = TOKEN
    response = create_app(config).test_client().get("/healthz", headers=BEARER)
    assert response.status_code == 200
    assert response.get_json()["broker"] == {"ok": True, "transport": "redis"}


def test_a_signed_in_browser_gets_the_friendly_503_while_the_database_is_down(
    tmp_path: Path,
) -> None:
    config = base_config(tmp_path / "inst")
    config["DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    app = create_app(config)
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "a" * 43)  # a session we cannot read
    for path in ("/applications", "/vacancies/ME-2026-0001/apply"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "Sorry, the service is unavailable" in response.get_data(as_text=True)
    health = client.get("/healthz")  # the same browser asking for the health: no details
    assert health.status_code == 503 and "backend" not in health.get_data(as_text=True)


def test_the_detail_check_never_fails_a_healthy_answer(client: FlaskClient) -> None:
    client.set_cookie("session", "not-a-session")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
