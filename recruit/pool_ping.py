"""Pinging a pooled database connection before use only when it has been idle a while.

SQLAlchemy's `pool_pre_ping` asks the server on every checkout: a round trip, and a statement
the server runs, for each of a request's two checkouts (its session read and its transaction).
A connection handed back moments ago is alive unless the server went away in those moments,
and then its first statement fails like any statement during an outage: SQLAlchemy invalidates
the pool, and the request answers the friendly 503. So a connection is pinged only when it has
been idle for PING_AFTER_IDLE_SECONDS or more; a failed ping replaces it, as `pool_pre_ping`
does (raising DisconnectionError from the checkout event makes the pool use a fresh one).
"""

from __future__ import annotations

import time
from typing import Any, Final

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

PING_AFTER_IDLE_SECONDS: Final = 1.0
_RETURNED: Final = "recruit.returned_at"


def ping_when_idle(engine: Engine) -> None:
    """Check each connection of `engine`'s pool on checkout if it was idle long enough.

    SQLite has no server connection to lose: its engines are left as they are.
    """
    if engine.dialect.name == "sqlite":
        return

    def returned(dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        last = record.info.get(_RETURNED)
        if last is None or time.monotonic() - last < PING_AFTER_IDLE_SECONDS:
            return  # newly made, or back in the pool only a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("ping failed") from exc
        if not alive:
            raise DisconnectionError("ping failed")

    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", checkout)
