"""Candidate portal blueprint: browse vacancies, apply, follow and withdraw applications.

`bp` lives in `recruit.portal.blueprint`; importing this package imports the modules that add
its routes.
"""

from recruit.portal import applying, views
from recruit.portal.blueprint import bp

__all__ = ["applying", "bp", "views"]
