"""Cross-cutting web behaviour: security headers, error pages, template helpers, request ids."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, render_template, request
from flask_login import current_user
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from recruit import taxonomy
from recruit.extensions import db

log = logging.getLogger(__name__)

ERROR_TITLES = {
    400: "There is a problem with your request",
    401: "You need to log in",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not allowed here",
    413: "The file is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def init_web(app: Flask) -> None:
    """Register hooks, error handlers and template helpers on `app`."""
    app.before_request(_start_request)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)
    app.jinja_env.filters["uk_datetime"] = uk_datetime
    app.jinja_env.filters["uk_date"] = uk_date
    app.jinja_env.globals.update(
        csp_nonce=lambda: g.get("csp_nonce", ""),
        theme_name=taxonomy.theme_name,
        sector_name=taxonomy.sector_name,
        THEMES=taxonomy.THEMES,
        SECTORS=taxonomy.SECTORS,
        CONTRACT_TYPES=taxonomy.CONTRACT_TYPES,
    )


def _start_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = (
        incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
    )
    g.csp_nonce = secrets.token_urlsafe(16)


def _security_headers(response: Response) -> Response:
    nonce = g.get("csp_nonce", "")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
        "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Request-ID"] = g.get("request_id", "")
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if current_user and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    code = error.code or 500
    if code not in ERROR_TITLES:
        return error
    title = ERROR_TITLES[code]
    return render_template("errors/error.html", code=code, title=title, error=error), code


def _database_unavailable(error: Exception) -> tuple[str, int]:
    log.error("database unavailable: %s", error.__class__.__name__)
    db.session.rollback()
    return (
        render_template("errors/error.html", code=503, title=ERROR_TITLES[503], error=None),
        503,
    )


def _to_uk(value: datetime, tz: str = "Europe/London") -> datetime:
    return value.astimezone(ZoneInfo(tz))


def uk_datetime(value: datetime | None, **_: Any) -> str:
    """Format a UTC time in UK time, e.g. '5:00pm on Friday 12 December 2026 (GMT)'."""
    if value is None:
        return ""
    local = _to_uk(value)
    hour = local.strftime("%I").lstrip("0") or "12"
    clock = f"{hour}:{local:%M}{local.strftime('%p').lower()}"
    if local.hour == 12 and local.minute == 0:
        clock = "midday"
    return f"{clock} on {local:%A} {local.day} {local:%B %Y} ({local.tzname()})"


def uk_date(value: datetime | None) -> str:
    """Format a UTC time as a UK date, e.g. '12 December 2026'."""
    if value is None:
        return ""
    local = _to_uk(value)
    return f"{local.day} {local:%B %Y}"
