"""Machine-facing blueprint: health checks and JSON endpoints."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from recruit.api import views  # noqa: E402,F401 - registers the routes
