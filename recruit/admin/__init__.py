"""Recruiter admin blueprint: campaigns, the pipeline board, the sift, scoring and staff.

`bp` lives in `recruit.admin.blueprint`; each `*_views` module adds its routes to it, so
importing this package imports them all.
"""

from recruit.admin import (
    access_request_views,
    adjustment_views,
    application_views,
    board_views,
    bulk_views,
    dashboard_views,
    equality_views,
    export_views,
    guarantee_views,
    outbox_views,
    retention_views,
    sift_views,
    team_views,
    token_views,
    user_views,
    vacancy_views,
    webhook_views,
)
from recruit.admin.blueprint import bp

__all__ = [
    "access_request_views",
    "adjustment_views",
    "application_views",
    "board_views",
    "bp",
    "bulk_views",
    "dashboard_views",
    "equality_views",
    "export_views",
    "guarantee_views",
    "outbox_views",
    "retention_views",
    "sift_views",
    "team_views",
    "token_views",
    "user_views",
    "vacancy_views",
    "webhook_views",
]
