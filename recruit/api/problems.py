"""RFC 9457 problem details for everything under /api/: stable type URIs, one JSON shape.

The web tier's handlers render HTML error pages; `init_problems` wraps them so a request under
/api/ gets `application/problem+json` instead, whatever raised the error: a view, a hook before
it, routing (404, 405) or an unhandled exception (500).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, current_app, json, request
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from recruit.extensions import db

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
# Stable, never reused: clients may branch on them. Each is described on the docs page.
TYPE_BASE = "https://recruit.midlandsengine.org/problems/"
TYPES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "The request is malformed"),
    401: ("unauthenticated", "A valid bearer token is required"),
    403: ("forbidden", "The token may not do this"),
    404: ("not-found", "No such resource"),
    405: ("method-not-allowed", "Method not allowed on this resource"),
    406: ("not-acceptable", "No acceptable representation"),
    409: ("conflict", "The request conflicts with the resource's state"),
    412: ("precondition-failed", "The resource has changed (If-Match did not match)"),
    413: ("too-large", "The request body is too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-parameters", "Some parameters are invalid"),
    428: ("precondition-required", "This update needs an If-Match header"),
    429: ("too-many-requests", "Too many requests"),
    500: ("server-error", "Something went wrong on our side"),
    503: ("unavailable", "The service is unavailable; try again shortly"),
}
API_PREFIX = "/api/"


def type_uri(status: int) -> str:
    """The type URI for a status (about:blank for a status without its own type)."""
    found = TYPES.get(status)
    return TYPE_BASE + found[0] if found else "about:blank"


def problem(
    status: int,
    detail: str = "",
    *,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """A problem+json response: type, title, status, detail, instance and any extensions."""
    title = TYPES[status][1] if status in TYPES else HTTPStatus(status).phrase
    body: dict[str, Any] = {"type": type_uri(status), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    # The path as a URI reference: percent-encoded, whatever characters the client sent.
    body["instance"] = quote(request.path, safe="/:@!$&'()*+,;=-._~")
    body.update(extensions)
    response = current_app.response_class(
        json.dumps(body), status=status, mimetype=MEDIA_TYPE, headers=dict(headers or {})
    )
    return response


class ProblemError(HTTPException):
    """Raise to answer with a problem: `ProblemError(409, "detail", field="x")`."""

    def __init__(
        self,
        status: int,
        detail: str = "",
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(description=detail)
        self.code = status
        self.problem_headers = dict(headers or {})
        self.extensions = extensions


def is_api_request() -> bool:
    """Whether the current request is for the API (by path, so unmatched URLs count too)."""
    return request.path.startswith(API_PREFIX) and request.path != "/api"


def from_http_error(error: HTTPException) -> Response:
    """The problem for an HTTP error raised anywhere while serving an API request."""
    status = error.code or 500
    if isinstance(error, ProblemError):
        return problem(
            status, error.description or "", headers=error.problem_headers, **error.extensions
        )
    extensions: dict[str, Any] = {}
    headers: dict[str, str] = {}
    data = getattr(error, "data", None)
    if status == 422 and isinstance(data, dict) and "messages" in data:
        # webargs' validation errors: {location: {field: [messages]}}
        extensions["errors"] = data["messages"]
    if status == 405 and error.response is None:
        allowed = getattr(error, "valid_methods", None)
        if allowed:
            headers["Allow"] = ", ".join(sorted(allowed))
    detail = "" if status >= 500 else _safe_detail(error)
    return problem(status, detail, headers=headers, **extensions)


def _safe_detail(error: HTTPException) -> str:
    """Werkzeug's description, unless it is the generic text for its status."""
    description = error.description or ""
    generic = type(error).description
    return "" if description == generic else description


def _database_problem(error: Exception) -> Response:
    db.session.rollback()
    if isinstance(error, DataError | OverflowError):
        return problem(400, "A value is out of range.")
    log.error("database unavailable: %s", error.__class__.__name__)
    return problem(503)


Handler = Callable[[Any], Any]


def _wrap(previous: Handler, for_api: Callable[[Any], Response]) -> Handler:
    def handle(error: Any) -> Any:
        if is_api_request():
            return for_api(error)
        return previous(error)

    return handle


def init_problems(app: Flask) -> None:
    """Answer errors under /api/ with problem+json; call after the web tier's handlers."""
    handlers = app.error_handler_spec.setdefault(None, {}).setdefault(None, {})
    wanted: dict[type[Exception], Callable[[Any], Response]] = {
        HTTPException: from_http_error,
        OperationalError: _database_problem,
        InterfaceError: _database_problem,
        DataError: _database_problem,
        OverflowError: _database_problem,
    }
    for exc_class, for_api in wanted.items():
        previous = handlers.get(exc_class)
        if previous is None:
            app.register_error_handler(exc_class, _wrap(lambda e: e, for_api))
        else:
            app.register_error_handler(exc_class, _wrap(previous, for_api))
