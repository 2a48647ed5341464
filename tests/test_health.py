"""GET /healthz reports the database and the broker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from recruit import create_app
from tests.conftest import base_config


def test_healthy_on_the_embedded_default(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "transport": "filesystem"}


def test_unavailable_when_the_broker_is_unreachable(tmp_path: Path) -> None:
    config = base_config(tmp_path / "inst")
    config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app = create_app(config)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["broker"]["ok"] is False
    assert body["status"] == "unavailable"


def test_unavailable_when_the_database_is_unreachable(tmp_path: Path) -> None:
    config = base_config(tmp_path / "inst")
    config["DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    app = create_app(config)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"]["ok"] is False


def test_healthy_with_redis(tmp_path: Path) -> None:
    import redis

    from tests.support.databases import unavailable

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1).ping()
    except redis.RedisError:
        unavailable("Redis is not reachable at 127.0.0.1:6379")
    config = base_config(tmp_path / "inst")
    config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    response = create_app(config).test_client().get("/healthz")
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
