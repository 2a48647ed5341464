"""Flask-Login wiring: loading the user behind a session."""

from __future__ import annotations

from flask import Flask

from recruit.extensions import db, login_manager
from recruit.models import User


def init_login(app: Flask) -> None:
    """Configure Flask-Login for this app."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to continue."
    login_manager.login_message_category = "info"
    # "strong" drops the session if the client's address or agent changes under it.
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)


def load_user(session_id: str) -> User | None:
    """Return the user only while the session's generation is still current."""
    user_id, _, generation = session_id.partition(":")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_generation != int(generation) or not user.is_active:
        return None
    return user
