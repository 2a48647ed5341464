"""Candidate portal blueprint: browse vacancies, apply, follow and withdraw applications.

`bp` lives in `recruit.portal.blueprint`; importing this package imports the modules that add
its routes.
"""

from recruit.portal import (
    account_views,
    adjustment_views,
    alert_views,
    applying,
    info_views,
    list_views,
    monitoring_views,
    sending,
    views,
)
from recruit.portal.blueprint import bp

__all__ = [
    "account_views",
    "adjustment_views",
    "alert_views",
    "applying",
    "bp",
    "info_views",
    "list_views",
    "monitoring_views",
    "sending",
    "views",
]
