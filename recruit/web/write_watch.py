"""Which tables a commit wrote: the signal that ends cached pages (recruit.web.page_cache).

Every statement a Session runs goes through a Connection, whatever the path: a flush, an ORM
insert()/update()/delete(), or Core DML on `session.connection()` (the guarded submit). So the
written tables are noted at the Connection (`after_execute`), for the Session whose transaction
opened it (`after_begin`), and the Session's `after_commit` renews the version of every cache
whose pages those tables date. A SELECT that writes inside WITH (the submit on PostgreSQL)
names the tables it writes in the WRITES_TABLES_OPTION execution option. Connections no
Session opened (the session store, an export's progress) are not watched: they write only
tables no cached page shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol
from weakref import WeakKeyDictionary

from flask import current_app
from sqlalchemy import Delete, Insert, TextClause, Update, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, SessionTransaction

from recruit.models import WRITES_TABLES_OPTION

log = logging.getLogger(__name__)

# The first word of a textual statement that writes (its table is not worked out).
_WRITING_WORDS: Final = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE"})


@dataclass(frozen=True)
class Watch:
    """Which writes date one cache's pages: by table name; `None` stands for a write whose
    table is unknown (counted as a change)."""

    extension: str  # the cache's key in app.extensions, and its flag in Session.info
    dates: Callable[[str | None], bool]


class Versioned(Protocol):
    """A cache whose pages a new version ends."""

    def bump(self) -> None:
        """Give every process's cached pages a new version."""


_WATCHES: list[Watch] = []
# The Session.info of the Session whose transaction opened each live Connection.
_OWNERS: WeakKeyDictionary[Connection, dict[Any, Any]] = WeakKeyDictionary()


def add_watch(watch: Watch) -> None:
    """Have commits that write what `watch` dates renew its cache's version; and listen."""
    if watch not in _WATCHES:
        _WATCHES.append(watch)
    listeners: tuple[tuple[type, str, Callable[..., None]], ...] = (
        (Session, "after_begin", _opened),
        (Engine, "after_execute", _executed),
        (Session, "after_commit", _bump_after_commit),
    )
    # Once per process, however many apps: the listeners watch every Session and Engine.
    for target, name, listener in listeners:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


def written_tables(
    statement: object, options: Mapping[str, Any] | None = None
) -> tuple[str | None, ...]:
    """The tables `statement` writes (None for one that cannot be told); () when it reads."""
    named: tuple[str, ...] = tuple((options or {}).get(WRITES_TABLES_OPTION, ()))
    if isinstance(statement, Insert | Update | Delete):
        return (getattr(statement.table, "name", None), *named)
    if isinstance(statement, TextClause):
        words = statement.text.split(None, 1)
        return (None, *named) if words and words[0].upper() in _WRITING_WORDS else named
    return named


def _opened(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    _OWNERS[connection] = session.info


def _executed(
    connection: Connection,
    statement: object,
    multiparams: Any,
    params: Any,
    options: Mapping[str, Any],
    result: Any,
) -> None:
    info = _OWNERS.get(connection)
    if info is None:
        return
    for table in written_tables(statement, options):
        for watch in _WATCHES:
            if watch.extension not in info and watch.dates(table):
                info[watch.extension] = True


def _bump_after_commit(session: Session) -> None:
    # Kept through a rollback on purpose: a needless new version costs one render, a missed one
    # a stale page.
    for watch in _WATCHES:
        if not session.info.pop(watch.extension, False):
            continue
        try:
            cache: Versioned = current_app.extensions[watch.extension]
        except (RuntimeError, KeyError):
            log.warning("a change outside an app context; cached pages (%s) expire by age", watch)
            continue
        cache.bump()
