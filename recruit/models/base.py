"""Declarative base, naming convention and column types shared by every model."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, literal
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The execution option by which a statement that writes only inside WITH (a SELECT whose
# common table expressions insert or update) names the tables it writes, for those who watch
# writes at the connection (recruit.web.write_watch), which cannot see into WITH cheaply.
WRITES_TABLES_OPTION = "recruit_writes_tables"


class Base(DeclarativeBase):
    """Base class for every model, carrying the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def text_enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    """An enum column stored as its members' values in a plain string (no database enum type)."""
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always stored and returned as aware UTC.

    PostgreSQL keeps it as timestamptz; SQLite keeps naive UTC text, which we re-tag on load.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC before it reaches the database."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not accepted; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime whatever the backend."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


class db_now(FunctionElement[datetime]):  # noqa: N801 - reads like a SQL function
    """The database server's clock, comparable with UTCDateTime columns on every backend."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(db_now)
def _db_now_default(element: db_now, compiler: SQLCompiler, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(db_now, "postgresql")
def _db_now_pg(element: db_now, compiler: SQLCompiler, **kw: Any) -> str:
    # statement_timestamp(), not now(): now() is frozen at the start of the transaction.
    return "statement_timestamp()"


@compiles(db_now, "sqlite")
def _db_now_sqlite(element: db_now, compiler: SQLCompiler, **kw: Any) -> str:
    # Same text layout SQLAlchemy uses for SQLite datetimes, so string comparison is chronological.
    return "strftime('%Y-%m-%d %H:%M:%f000', 'now')"


def db_moment(at: datetime | None) -> ColumnElement[datetime]:
    """`at` as a SQL timestamp comparable with UTCDateTime columns; the database clock if None."""
    return db_now() if at is None else literal(at, UTCDateTime())
