"""Recruiter admin blueprint: campaigns, applications, pipeline moves and staff invitations."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

# Imported for their side effect of registering routes on `bp`.
from recruit.admin import (  # noqa: E402,F401
    application_views,
    user_views,
    vacancy_views,
    views,
)
