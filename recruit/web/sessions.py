"""Server-side sessions with idle and absolute timeouts, stored in the database.

The cookie holds a random 256-bit id; the database holds only its hash and the session data.
Logging in issues a new id (the old one stops working), logging out deletes the row, and a
password change deletes every row of that user. Session I/O uses its own connection so it never
commits, or rolls back, the view's transaction; each read or write is one statement in
autocommit mode, so it costs one round trip, with no BEGIN, COMMIT or ROLLBACK around it.

The read also brings the session's user, so the user loader (recruit.auth.session) needs no
query of its own, and on PostgreSQL it refreshes a due last-seen time in the same statement
(recruit.web.session_read).

A row is written only when the session holds something (a login, a flash message, a form's
CSRF token) and only when that changes, so browsing pages without forms stores nothing. In
production the cookie is `__Host-session`: Secure, Path=/, no Domain (ASVS 3.3.3).
"""

from __future__ import annotations

import copy
import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any, Final

from flask import Flask, Request, Response, current_app, has_request_context
from flask import session as current_session
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import Engine, bindparam, delete, event, insert, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.datastructures import CallbackDict

from recruit.extensions import db
from recruit.models import utcnow
from recruit.models.session import WebSession
from recruit.parsing import ascii_int
from recruit.web.receipt import ClockReading
from recruit.web.session_read import USER_FIELDS, Refresh, read_session

log = logging.getLogger(__name__)

# Writes of last_seen_at are skipped when it is this fresh, to spare the database.
TOUCH_INTERVAL = timedelta(seconds=60)
# Flask-Login's bookkeeping: on their own these hold nothing worth a row.
BOOKKEEPING = frozenset({"_fresh", "_id", "_remember", "_remember_seconds"})
# The browser refuses a `__Host-` cookie unless it is Secure, has Path=/ and no Domain.
HOST_PREFIX = "__Host-"
_ENGINE_KEY = "recruit.session_engine"


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode("ascii", "replace")).hexdigest()


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """Session data plus what the interface needs to save it."""

    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        sid: str | None = None,
        last_seen: datetime | None = None,
        unavailable: bool = False,
    ) -> None:
        def on_update(session: ServerSession) -> None:
            session.modified = True

        super().__init__(initial or {}, on_update)
        # What was stored, to tell a real change from keys popped and put back as they were.
        self.stored: dict[str, Any] = copy.deepcopy(dict(self))
        self.sid = sid
        self.last_seen = last_seen
        self.modified = False
        self.rotate = False
        self.unavailable = unavailable
        # Whether last-seen was already refreshed: by the read itself (PostgreSQL) or within
        # the view's own commit.
        self.touched = False
        # The database clock as the session was read, from which the receipt is measured.
        self.clock: ClockReading | None = None
        # The columns of the session's user as read with it, for the user loader.
        self.user_row: dict[str, Any] | None = None

    def regenerate(self) -> None:
        """Issue a new id on the next save and forget the old one (call at login)."""
        self.rotate = True
        self.modified = True


def fresh_session() -> None:
    """Empty the current session and give it a new id, so the old cookie is worthless."""
    from flask import session

    session.clear()
    if isinstance(session, ServerSession):
        session.regenerate()


def _engine() -> Engine:
    """The app's engine in autocommit mode: each session statement commits on its own."""
    extensions = current_app.extensions
    engine: Engine | None = extensions.get(_ENGINE_KEY)
    if engine is None:
        # Shares the engine's pool (and event listeners); only the mode of each checkout differs.
        engine = extensions[_ENGINE_KEY] = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def end_user_sessions(user_id: int, keep_sid: str | None = None) -> None:
    """Delete every stored session of a user, except optionally the current one."""
    statement = delete(WebSession).where(WebSession.user_id == user_id)
    if keep_sid:
        statement = statement.where(WebSession.id_hash != _hash(keep_sid))
    with _engine().connect() as conn:
        conn.execute(statement)


def purge_expired(app: Flask) -> int:
    """Delete sessions past their idle or absolute limit; return how many."""
    clock = _session_time(app)
    with _engine().connect() as conn:
        result = conn.execute(
            delete(WebSession).where(
                (WebSession.last_seen_at < clock.idle_after)
                | (WebSession.created_at < clock.absolute_after)
            )
        )
    return int(result.rowcount or 0)


def _session_time(app: Flask) -> Refresh:
    return Refresh(
        utcnow(),
        TOUCH_INTERVAL,
        timedelta(minutes=int(app.config["SESSION_IDLE_MINUTES"])),
        timedelta(hours=int(app.config["SESSION_ABSOLUTE_HOURS"])),
    )


def holds_something(session: ServerSession) -> bool:
    """Whether the session holds anything worth storing: more than Flask-Login's bookkeeping."""
    return any(key not in BOOKKEEPING for key in session)


class DatabaseSessionInterface(SessionInterface):
    """Flask session interface backed by the `web_sessions` table."""

    def get_cookie_name(self, app: Flask) -> str:
        """`__Host-session` in production (Secure, host-only, whole site), else the plain name."""
        name = str(app.config["SESSION_COOKIE_NAME"])
        return HOST_PREFIX + name if _production(app) else name

    def get_cookie_domain(self, app: Flask) -> str | None:
        """No Domain attribute in production, as the `__Host-` prefix requires."""
        return None if _production(app) else super().get_cookie_domain(app)

    def get_cookie_path(self, app: Flask) -> str:
        """Path=/ in production, as the `__Host-` prefix requires."""
        return "/" if _production(app) else super().get_cookie_path(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        """Always Secure in production, as the `__Host-` prefix requires."""
        return _production(app) or super().get_cookie_secure(app)

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        """Load the session named by the cookie if it exists and has not timed out."""
        sid = request.cookies.get(self.get_cookie_name(app), "")
        # Static files never need the session; skip the database round trip for them.
        if not sid or len(sid) > 128 or request.path.startswith(app.static_url_path or "/static"):
            return ServerSession()
        refresh = _session_time(app)
        try:
            with _engine().connect() as conn:
                row, refreshed = read_session(conn, _hash(sid), refresh)
        except SQLAlchemyError:
            # The database is down: carry on anonymous; views that need it answer 503.
            log.warning("session store unavailable; treating the request as anonymous")
            return ServerSession(unavailable=True)
        if row is None or refresh.expired(row.created_at, row.last_seen_at):
            return ServerSession()
        last_seen = refresh.now if refreshed else row.last_seen_at
        opened = ServerSession(dict(row.data or {}), sid=sid, last_seen=last_seen)
        opened.touched = refreshed
        # Deadlines are judged from this reading (recruit.web.receipt): take it as early as we can.
        opened.clock = ClockReading.taken(row.read_at)
        if row.user_id is not None:
            values = row._mapping
            opened.user_row = {name: values[label] for label, name in USER_FIELDS}
        return opened

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Write the session if it changed, or touch it, and set or clear the cookie."""
        assert isinstance(session, ServerSession)
        if session.unavailable:
            return  # keep the browser's cookie: the session is still there when the DB returns
        try:
            self._save(app, session, response)
        except SQLAlchemyError:
            log.warning("session store unavailable; session not saved")

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        if not holds_something(session):
            if session.sid:
                self._delete(session.sid)
                response.delete_cookie(
                    self.get_cookie_name(app),
                    domain=self.get_cookie_domain(app),
                    path=self.get_cookie_path(app),
                    secure=self.get_cookie_secure(app),
                    httponly=self.get_cookie_httponly(app),
                    samesite=self.get_cookie_samesite(app),
                )
            return
        if session.rotate and session.sid:
            self._delete(session.sid)
            session.sid = None
        if session.sid is None:
            self._insert_new(app, session, response)
        elif dict(session) != session.stored:
            if not self._update(session, with_data=True):
                # The row was deleted under us (logout everywhere): carry on with a new id.
                self._insert_new(app, session, response)
        elif not session.touched and _touch_due(session):
            # Activity keeps the session alive; the browser's cookie is unchanged, so not resent.
            self._update(session, with_data=False)

    def _insert_new(self, app: Flask, session: ServerSession, response: Response) -> None:
        session.sid = secrets.token_urlsafe(32)
        self._insert(session)
        self._set_cookie(app, session, response)

    def _set_cookie(self, app: Flask, session: ServerSession, response: Response) -> None:
        response.set_cookie(
            self.get_cookie_name(app),
            session.sid or "",
            httponly=self.get_cookie_httponly(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
        )

    def _insert(self, session: ServerSession) -> None:
        now = utcnow()
        with _engine().connect() as conn:
            conn.execute(
                insert(WebSession).values(
                    id_hash=_hash(session.sid or ""),
                    user_id=_user_id(session),
                    data=dict(session),
                    created_at=now,
                    last_seen_at=now,
                )
            )

    def _update(self, session: ServerSession, with_data: bool) -> bool:
        values: dict[str, Any] = {"last_seen_at": utcnow()}
        if with_data:
            values.update(data=dict(session), user_id=_user_id(session))
        with _engine().connect() as conn:
            result = conn.execute(
                update(WebSession)
                .where(WebSession.id_hash == _hash(session.sid or ""))
                .values(**values)
            )
        return bool(result.rowcount)

    def _delete(self, sid: str) -> None:
        with _engine().connect() as conn:
            conn.execute(delete(WebSession).where(WebSession.id_hash == _hash(sid)))


def _production(app: Flask) -> bool:
    return bool(app.config.get("ENV") == "production")


def _user_id(session: ServerSession) -> int | None:
    raw = str(session.get("_user_id", ""))
    user_id = raw.partition(":")[0]
    return ascii_int(user_id)


def _touch_due(session: ServerSession) -> bool:
    return session.last_seen is None or utcnow() - session.last_seen > TOUCH_INTERVAL


_TOUCH: Final = (
    update(WebSession)
    .where(WebSession.id_hash == bindparam("b_id_hash"))
    .values(last_seen_at=bindparam("b_seen"))
)


def _touch_with_the_view(orm_session: Session) -> None:
    """Before a request's own commit, refresh a due last-seen in that transaction.

    The write then shares the view's commit (one WAL flush, not two); a request that commits
    nothing touches the row on its own connection afterwards, as before.
    """
    if not has_request_context() or orm_session.in_nested_transaction():
        return
    opened = current_session._get_current_object()  # type: ignore[attr-defined]
    if not isinstance(opened, ServerSession) or opened.touched or opened.rotate:
        return
    if opened.sid is None or not holds_something(opened) or not _touch_due(opened):
        return
    params = {"b_id_hash": _hash(opened.sid), "b_seen": utcnow()}
    orm_session.connection().execute(_TOUCH, params)
    opened.touched = True


if not event.contains(Session, "before_commit", _touch_with_the_view):
    event.listen(Session, "before_commit", _touch_with_the_view)
