"""Flask extensions, created unbound and bound to an app in create_app."""

from __future__ import annotations

from typing import Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from recruit.models.base import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()


def _is_sqlite(dbapi_connection: Any) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: enforce foreign keys, and use WAL so the worker and web can share the file.

    pysqlite's own transaction handling is kept on purpose: it begins a transaction only at the
    first write, so a request that reads and then writes never holds a stale WAL snapshot that
    SQLite would refuse to upgrade while the worker writes. The price is that a SAVEPOINT opened
    before any write starts (and its release ends) a real transaction; `open_write_transaction`
    is the remedy where a savepoint is needed.
    """
    if _is_sqlite(dbapi_connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


def open_write_transaction() -> None:
    """Make sure the session's SQLite connection is inside a real transaction (no-op elsewhere).

    Call before `begin_nested()` so that releasing the savepoint cannot commit on SQLite.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        # pysqlite opens a transaction before any DML; this one changes nothing.
        db.session.execute(text("DELETE FROM users WHERE 1 = 0"))
