"""Machine-facing blueprint: health checks and JSON endpoints.

`bp` lives in `recruit.api.blueprint`; importing this package imports the module that adds its
routes.
"""

from recruit.api import views
from recruit.api.blueprint import bp

__all__ = ["bp", "views"]
