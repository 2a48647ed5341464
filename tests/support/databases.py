"""Throwaway databases for tests: a SQLite file per test, a PostgreSQL database per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from recruit.models import Base
from testkit import databases
from testkit.databases import PG_ADMIN_URL, pg_url

__all__ = ["PG_ADMIN_URL", "pg_url", "postgres_database", "strict", "truncate_all", "unavailable"]


def strict() -> bool:
    """Under CI a missing service is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip locally, fail under CI."""
    if strict():
        pytest.fail(f"{reason} (CI=true: required services must be running)")
    pytest.skip(reason)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database; a server that is down skips (fails under CI)."""
    try:
        with databases.postgres_database() as url:
            yield url
    except databases.DatabaseUnavailableError as exc:
        unavailable(str(exc))


def truncate_all(engine: Engine) -> None:
    """Empty every table and restart its ids, leaving the schema in place."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
