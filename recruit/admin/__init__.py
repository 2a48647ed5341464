"""Recruiter admin blueprint: campaigns, applications, pipeline moves and staff invitations."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from recruit.admin import views  # noqa: E402,F401 - registers the routes
