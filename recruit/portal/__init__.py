"""Candidate portal blueprint: browse vacancies, apply, follow and withdraw applications.

`bp` lives in `recruit.portal.blueprint`; importing this package imports the modules that add
its routes.
"""

from recruit.portal import (
    account_views,
    adjustment_views,
    applying,
    info_views,
    monitoring_views,
    views,
)
from recruit.portal.blueprint import bp

__all__ = [
    "account_views",
    "adjustment_views",
    "applying",
    "bp",
    "info_views",
    "monitoring_views",
    "views",
]
