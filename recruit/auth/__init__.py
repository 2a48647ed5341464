"""Accounts blueprint: register, verify, log in and out, reset, accept invitations."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from recruit.auth import links, views  # noqa: E402,F401 - registers the routes
