"""Reading a stored session in one round trip: the session, the database clock and its user.

On PostgreSQL the same statement also refreshes the session's last-seen time when it is due
and the session is still alive (a data-modifying WITH), so a signed-in request whose refresh
is due runs no separate UPDATE for it. The SELECT sees the row as it was before that refresh,
so the idle and absolute limits are judged on the stored times, and an expired session is
never refreshed back to life. Other databases read only; recruit.web.sessions then refreshes
a due time with the view's commit or after the response, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import Connection, Row, Table, bindparam, exists, inspect, select, update

from recruit.models import User, db_now
from recruit.models.session import WebSession

_USERS: Final = cast(Table, User.__table__)
# (label in the read, attribute of User) for each of the user's columns.
USER_FIELDS: Final = [
    (f"user_{column.key}", inspect(User).get_property_by_column(column).key) for column in _USERS.c
]
# The session, the database clock, and the session's user (all None for an anonymous one).
_READ: Final = (
    select(
        WebSession.data,
        WebSession.created_at,
        WebSession.last_seen_at,
        db_now().label("read_at"),
        *(column.label(label) for column, (label, _) in zip(_USERS.c, USER_FIELDS, strict=True)),
    )
    .outerjoin(_USERS, _USERS.c.id == WebSession.user_id)
    .where(WebSession.id_hash == bindparam("s_id_hash"))
)
# No parameter of a statement holding an UPDATE may be named after a column: SQLAlchemy would
# add it to the UPDATE's SET (it did, with "id_hash").
_REFRESHED: Final = (
    update(WebSession)
    .where(
        WebSession.id_hash == bindparam("r_id_hash"),
        WebSession.last_seen_at < bindparam("r_due_before"),
        WebSession.last_seen_at >= bindparam("r_idle_after"),
        WebSession.created_at >= bindparam("r_absolute_after"),
    )
    .values(last_seen_at=bindparam("r_seen"))
    .returning(WebSession.id_hash)
    .cte("refreshed")
)
_READ_AND_REFRESH: Final = _READ.add_columns(
    exists(select(_REFRESHED.c.id_hash)).label("refreshed")
)


@dataclass(frozen=True)
class Refresh:
    """Session time as of `now`: when a last-seen time is due a refresh (`interval`), and the
    idle and absolute limits a live session is within."""

    now: datetime
    interval: timedelta
    idle: timedelta
    absolute: timedelta

    @property
    def idle_after(self) -> datetime:
        """A session last seen before this has been idle too long."""
        return self.now - self.idle

    @property
    def absolute_after(self) -> datetime:
        """A session created before this has lived too long."""
        return self.now - self.absolute

    def expired(self, created: datetime, last_seen: datetime) -> bool:
        """Whether a session created and last seen at these times is past either limit."""
        return last_seen < self.idle_after or created < self.absolute_after


def read_session(conn: Connection, id_hash: str, refresh: Refresh) -> tuple[Row[Any] | None, bool]:
    """The stored session with its user, and whether its last-seen time was refreshed to
    `refresh.now` by this same statement (PostgreSQL only)."""
    if conn.dialect.name != "postgresql":
        return conn.execute(_READ, {"s_id_hash": id_hash}).first(), False
    params = {
        "s_id_hash": id_hash,
        "r_id_hash": id_hash,
        "r_due_before": refresh.now - refresh.interval,
        "r_idle_after": refresh.idle_after,
        "r_absolute_after": refresh.absolute_after,
        "r_seen": refresh.now,
    }
    row = conn.execute(_READ_AND_REFRESH, params).first()
    return row, bool(row is not None and row.refreshed)
