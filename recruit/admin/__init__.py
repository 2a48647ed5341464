"""Recruiter admin blueprint: campaigns, the pipeline board, the sift, scoring and staff.

`bp` lives in `recruit.admin.blueprint`; each `*_views` module adds its routes to it, so
importing this package imports them all.
"""

from recruit.admin import (
    application_views,
    board_views,
    bulk_views,
    dashboard_views,
    export_views,
    outbox_views,
    panel_views,
    sift_views,
    user_views,
    vacancy_views,
)
from recruit.admin.blueprint import bp

__all__ = [
    "application_views",
    "board_views",
    "bp",
    "bulk_views",
    "dashboard_views",
    "export_views",
    "outbox_views",
    "panel_views",
    "sift_views",
    "user_views",
    "vacancy_views",
]
