"""Recruiter admin blueprint: campaigns, the pipeline board, the sift, scoring and staff."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

# Imported for their side effect of registering routes on `bp`.
from recruit.admin import (  # noqa: E402,F401
    application_views,
    board_views,
    bulk_views,
    export_views,
    outbox_views,
    panel_views,
    sift_views,
    user_views,
    vacancy_views,
    views,
)
