"""Throwaway databases for tests: a SQLite file per test, a PostgreSQL database per session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from recruit.models import Base

PG_ADMIN_URL = os.environ.get(
    "RECRUIT_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def strict() -> bool:
    """Under CI a missing service is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip locally, fail under CI."""
    if strict():
        pytest.fail(f"{reason} (CI=true: required services must be running)")
    pytest.skip(reason)


def pg_url(database: str) -> str:
    """The URL of `database` on the test PostgreSQL server."""
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create a uniquely named PostgreSQL database and drop it afterwards."""
    name = f"recruit_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # server down or unreachable
        admin.dispose()
        unavailable(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}")
    try:
        yield pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def truncate_all(engine: Engine) -> None:
    """Empty every table and restart its ids, leaving the schema in place."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
