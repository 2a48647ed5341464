"""Pooled connections are pinged before use only after sitting idle (recruit.pool_ping)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from recruit.extensions import db
from recruit.pool_ping import PING_AFTER_IDLE_SECONDS


def backend_pid(engine: Engine) -> int:
    """The server process behind the connection the pool hands out next."""
    with engine.connect() as conn:
        return int(conn.execute(text("select pg_backend_pid()")).scalar_one())


def cut(engine: Engine, pid: int) -> None:
    """End a server process from a connection of its own, as a restart or a DBA would."""
    url = engine.url.render_as_string(hide_password=False)
    outsider = create_engine(url, poolclass=NullPool)
    try:
        with outsider.connect() as other:
            other.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        outsider.dispose()


def age_pool(engine: Engine, seconds: float) -> None:
    """Make every idle connection in the pool look handed back `seconds` ago."""
    for record in list(engine.pool._pool.queue):  # type: ignore[attr-defined]
        record.info["recruit.returned_at"] -= seconds


@pytest.fixture
def engine(app: Flask, backend: str) -> Engine:
    """The app's PostgreSQL engine, with one pooled connection."""
    if backend != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    with app.app_context():
        found = db.engine
    assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    return found


def test_a_connection_idle_for_a_while_is_checked_and_replaced_if_dead(engine: Engine) -> None:
    pid = backend_pid(engine)
    cut(engine, pid)
    age_pool(engine, PING_AFTER_IDLE_SECONDS + 1)
    # The ping finds it dead: the pool connects afresh and the statement runs.
    assert backend_pid(engine) != pid


def test_a_connection_back_a_moment_ago_is_used_without_a_ping(engine: Engine) -> None:
    pid = backend_pid(engine)
    cut(engine, pid)
    # Used straight away, unchecked: the lost server process shows as the statement's error,
    # which is what any request meets during an outage (the friendly 503) ...
    with pytest.raises(OperationalError):
        backend_pid(engine)
    # ... and the pool, told so, connects afresh for the next one.
    assert backend_pid(engine) != pid
