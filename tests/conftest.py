"""Fixtures: a fresh app per test, on SQLite and on PostgreSQL, with factories for data."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine

from recruit import create_app
from recruit.extensions import db
from recruit.models import Base
from testkit.factories import Factory
from tests.support.clients import ClosingClient
from tests.support.databases import postgres_database, truncate_all
from tests.support.logs import AppLog, app_log
from tests.support.portal import logged_in_candidate, skills_vacancy

# Shared fixtures that live in tests/support: the front-end build.
pytest_plugins = ["tests.support.assets"]

BACKENDS = ["sqlite", "postgresql"]


def base_config(instance: Path) -> dict[str, Any]:
    """Settings every test app starts from; tests add to a copy, never mutate a shared one."""
    return {
        "ENV": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "MONITORING_KEY": "test-monitoring-key-not-for-production",
        "INSTANCE_PATH": str(instance),
        "BASE_URL": "http://recruit.test",
        # The OWASP floor, so tests stay quick while exercising real argon2id.
        "ARGON2_TIME_COST": 2,
        "ARGON2_MEMORY_KIB": 19456,
        "ARGON2_PARALLELISM": 1,
        "PUBLISH_TIMEOUT": 0.5,
        # Counters on a shared Redis must not leak between tests.
        "RATELIMIT_PREFIX": f"test:{uuid.uuid4().hex}:",
    }


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """One PostgreSQL database for the session, with the schema created once."""
    with postgres_database() as url:
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each database test runs once on SQLite and once on PostgreSQL."""
    return str(request.param)


@pytest.fixture
def app_config(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    """A fresh configuration mapping for this test."""
    config = base_config(tmp_path / "instance")
    if backend == "postgresql":
        config["DATABASE_URL"] = request.getfixturevalue("pg_database_url")
    return config


AppFactory = Callable[..., Flask]


@pytest.fixture
def app_factory(app_config: dict[str, Any], backend: str) -> Iterator[AppFactory]:
    """Build apps on this test's empty database, with extra settings: `app_factory(PAGE_SIZE=3)`."""
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        application = create_app({**app_config, **overrides})
        application.test_client_class = ClosingClient
        with application.app_context():
            if backend == "sqlite":
                db.create_all()
            elif not built:
                truncate_all(db.engine)
        built.append(application)
        return application

    yield build
    for application in built:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory: AppFactory) -> Flask:
    """A new app with an empty database."""
    return app_factory()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like test client for the app."""
    return app.test_client()


@pytest.fixture
def make(app: Flask) -> Factory:
    """Factories bound to this test's app."""
    return Factory(app)


@pytest.fixture
def candidate(make: Factory, client: FlaskClient) -> SimpleNamespace:
    """A candidate logged in on `client` (the portal tests' applicant)."""
    return logged_in_candidate(make, client)


@pytest.fixture
def vacancy(make: Factory) -> SimpleNamespace:
    """An open vacancy with two essential criteria, one desirable, and two recruiters."""
    return skills_vacancy(make)


@pytest.fixture
def logs(app: Flask) -> Iterator[AppLog]:
    """What the app's log handler writes during the test."""
    with app_log() as captured:
        yield captured


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[dict[str, object]]:
    """Settings for the rate limiter's store: this process's memory, or the test Redis."""
    if request.param == "memory":
        yield {}
        return
    from tests.support.worker import REDIS_URL, redis_or_skip

    redis_or_skip().close()
    yield {"REDIS_URL": REDIS_URL}
