"""Cross-cutting web behaviour: security headers, error pages, template helpers, request ids."""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from typing import Any

from flask import Flask, Response, abort, g, render_template, request, session
from flask_login.signals import user_unauthorized
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from recruit import taxonomy
from recruit.extensions import db, login_manager
from recruit.formatting import uk_date, uk_datetime
from recruit.parsing import MAX_ROW_ID
from recruit.web import admission, receipt

log = logging.getLogger(__name__)

# An incoming X-Request-ID is kept only if it is all this (fullmatch: no trailing newline).
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9-]{1,64}")


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
    # First of all hooks, before CSRF checks: every log line and error page needs the request id,
    # and a session we cannot read means we cannot tell who is asking, so the answer is "come
    # back shortly", not a login page or an expired form.
    # Then the body is read (by the malformed-form check), the receipt recorded, and only then
    # does the request wait for a work slot: a slow upload never holds one.
    app.before_request_funcs.setdefault(None, [])[:0] = [
        _start_request,
        _session_store_check,
        _reject_malformed_form,
        receipt.mark_received,
        admission.enter,
    ]
    app.before_request(_reject_impossible_ids)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)
    app.register_error_handler(DataError, _unstorable_input)
    app.register_error_handler(OverflowError, _unstorable_input)
    user_unauthorized.connect(_log_login_required, app)
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


def _reject_malformed_form() -> None:
    """400 for a form body with a nameless part, which would otherwise crash the CSRF check."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        names = list(request.form.keys()) + list(request.files.keys())
        if any(not isinstance(name, str) for name in names):
            abort(400)


def request_id(incoming: str) -> str:
    """The id of a request: a proxy's X-Request-ID if well formed, else a new one."""
    # A proxy's id is kept so log lines correlate across tiers, but only in a shape that cannot
    # carry spaces, `=` or line breaks into the text log (forged `key=value` fields).
    return incoming if REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex


def _start_request() -> None:
    g.request_id = request_id(request.headers.get("X-Request-ID", ""))
    g.csp_nonce = secrets.token_urlsafe(16)


def _session_store_check() -> None:
    if getattr(session, "unavailable", False):
        log.warning("session store unavailable; answering 503")
        abort(503)


def _reject_impossible_ids() -> None:
    """An id in the path too large for any row cannot name one: 404 before the database sees it."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and value > MAX_ROW_ID:
            abort(404)


def _route_context() -> dict[str, Any]:
    """Where a refused request was going, without the path itself (it may hold a token)."""
    ids = {k: v for k, v in (request.view_args or {}).items() if isinstance(v, int)}
    return {"method": request.method, "endpoint": request.endpoint or "-", "object_ids": ids}


def _log_refusal(error: HTTPException, code: int) -> None:
    """Record authorisation failures and refused requests as security events."""
    if isinstance(error, CSRFError):
        log.warning("CSRF check failed", extra={"event": "csrf_failed", **_route_context()})
    elif code == 403:
        log.warning(
            "authorisation failure: forbidden", extra={"event": "authz_denied", **_route_context()}
        )
    elif code == 404 and request.view_args and request.endpoint not in (None, "static"):
        # Objects a user does not own answer 404, so every 404 on a matched route is logged.
        log.warning(
            "authorisation failure: object not found or not owned",
            extra={"event": "authz_not_found", **_route_context()},
        )
    elif code == 413:
        log.warning(
            "request refused: body too large",
            extra={"event": "too_large", "content_length": request.content_length},
        )


def _log_login_required(_app: Flask, **_: Any) -> None:
    log.info("authentication required", extra={"event": "authn_required", **_route_context()})


def security_headers(nonce: str, request_id: str, secure: bool) -> dict[str, str]:
    """The security headers of every answer, for a page whose scripts carry `nonce`."""
    headers = {
        "Content-Security-Policy": (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
            "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "X-Request-ID": request_id,
    }
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def _security_headers(response: Response) -> Response:
    wanted = security_headers(g.get("csp_nonce", ""), g.get("request_id", ""), request.is_secure)
    # A view may ask for less (emailed-link pages send no-referrer).
    response.headers.setdefault("Referrer-Policy", wanted.pop("Referrer-Policy"))
    for name, value in wanted.items():
        response.headers[name] = value
    # Any page may hold personal data or a form's CSRF token, so no cache may keep it, signed
    # in or not; static assets keep Flask's caching. Only recruit.web.page_cache, for a page
    # identical for every visitor without a session, sets g.cache_control to allow more.
    if request.endpoint != "static":
        response.headers["Cache-Control"] = g.get("cache_control", "no-store")
    return response


def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    code = error.code or 500
    _log_refusal(error, code)
    if code not in ERROR_TITLES:
        return error
    title = ERROR_TITLES[code]
    return render_template("errors/error.html", code=code, title=title, error=error), code


def _database_unavailable(error: Exception) -> tuple[str, int]:
    log.error("database unavailable: %s", error.__class__.__name__)
    db.session.rollback()
    # The error page shows the header for the current user: never look them up now.
    g._login_user = login_manager.anonymous_user()
    return (
        render_template("errors/error.html", code=503, title=ERROR_TITLES[503], error=None),
        503,
    )


def _unstorable_input(error: Exception) -> tuple[str, int]:
    """A value the database cannot hold (an enormous number, say) is the client's error: 400."""
    log.warning(
        "request refused: input out of range",
        extra={"event": "bad_input", "error": error.__class__.__name__, **_route_context()},
        exc_info=error,
    )
    db.session.rollback()
    return (
        render_template("errors/error.html", code=400, title=ERROR_TITLES[400], error=None),
        400,
    )
