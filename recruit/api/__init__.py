"""Machine-facing endpoints: the health check and the JSON API under /api/v1.

`bp` (plain Flask) serves the health check, the OpenAPI document and the docs page; `v1`
(flask-smorest) serves the documented API. `init_app` registers both, exempts the API from
CSRF (it authenticates by bearer token only, never by the session cookie) and sets up its
rate limits. `init_problems` (after the web tier's error handlers) makes its errors problem+json.
"""

from flask import Flask

from recruit.api import (
    account,
    applications,
    docs_views,
    exports,
    public,
    scores,
    staff_vacancies,
    stages,
    views,
    webhooks,
)
from recruit.api.auth import init_limiter
from recruit.api.blueprint import bp, v1
from recruit.api.problems import init_problems
from recruit.api.spec import make_api

__all__ = [
    "account",
    "applications",
    "bp",
    "docs_views",
    "exports",
    "init_app",
    "init_problems",
    "public",
    "scores",
    "staff_vacancies",
    "stages",
    "v1",
    "views",
    "webhooks",
]


def init_app(app: Flask) -> None:
    """Register the API's blueprints and document on `app`."""
    from recruit.extensions import csrf

    app.register_blueprint(bp)
    make_api(app, [v1])
    csrf.exempt(v1)
    init_limiter(app)
