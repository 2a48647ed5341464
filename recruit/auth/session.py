"""Flask-Login wiring: loading the user behind a session, bound to the client that logged in."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, session
from flask_login.signals import session_protected
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from recruit.extensions import db, login_manager
from recruit.models import User
from recruit.parsing import ascii_int

log = logging.getLogger(__name__)

# What Flask-Login keeps in the session about a login.
LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember_seconds", "next")


def init_login(app: Flask) -> None:
    """Configure Flask-Login for this app."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to continue."
    login_manager.login_message_category = "info"
    # Flask-Login's own "strong" check also fires on anonymous sessions (a form token is
    # enough) and rewrites them, with a Set-Cookie, on every page; `load_user` does the same
    # check for logged-in sessions only.
    login_manager.session_protection = None
    login_manager.user_loader(load_user)


def load_user(session_id: str) -> User | None:
    """Return the user only while the session's generation is still current."""
    if not same_client():
        return None
    user_id, _, generation = session_id.partition(":")
    if ascii_int(user_id) is None or ascii_int(generation) is None:
        return None
    user = _read_with_session(int(user_id)) or db.session.get(User, int(user_id))
    if user is None or user.session_generation != int(generation) or not user.is_active:
        return None
    return user


def _read_with_session(user_id: int) -> User | None:
    """The user as the session store read it with the session (recruit.web.sessions), put in
    the database session as if loaded there; None if it was not read, so look it up."""
    row: dict[str, Any] | None = getattr(session, "user_row", None)
    if row is None or row.get("id") != user_id:
        return None
    present = db.session.identity_map.get(identity_key(User, user_id))
    if isinstance(present, User):
        return present
    user = User(**row)
    make_transient_to_detached(user)  # every column is loaded, and nothing is pending
    db.session.add(user)
    return user


def same_client() -> bool:
    """Whether the client's address and agent are the ones that logged in; if not, log out.

    This is Flask-Login's "strong" session protection, kept for logged-in sessions only.
    """
    # The generator Flask-Login's login_user used to record "_id" at login.
    if session.get("_id") == login_manager._session_identifier_generator():
        return True
    for key in LOGIN_KEYS:
        session.pop(key, None)
    session["_remember"] = "clear"  # and no remember-me cookie may log the client back in
    session_protected.send(current_app._get_current_object())  # type: ignore[attr-defined]
    log.warning("session used from another client: logged out", extra={"event": "session_moved"})
    return False
