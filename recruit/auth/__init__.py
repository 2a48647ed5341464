"""Accounts blueprint: register, verify, log in and out, reset, accept invitations.

`bp` lives in `recruit.auth.blueprint`; importing this package imports the modules that add
its routes.
"""

from recruit.auth import links, views
from recruit.auth.blueprint import bp

__all__ = ["bp", "links", "views"]
