"""The OpenAPI 3.1 document, built by flask-smorest from the views, and typed decorators for it.

flask-smorest ships no type information, so its decorators reach the views through the small
typed wrappers here (`route`, `arguments`, `response`, `problems`, `doc`) rather than bare.
One `RecruitApi` is made per app in `init_app`, in keeping with the app factory: the module-level
blueprints hold only the views and their documentation.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar, cast

from flask import Flask
from flask_smorest import Api, Blueprint
from marshmallow import RAISE

from recruit.api.problems import MEDIA_TYPE, TYPES

F = TypeVar("F", bound=Callable[..., Any])

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
EXTENSION = "recruit.api"
BEARER = "bearerAuth"


class RecruitApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, answering nothing itself: errors are problem+json from `problems`."""

    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"

    def _register_error_handlers(self) -> None:
        """The web tier and `problems.init_problems` own error handling, not the library."""

    def _register_responses(self) -> None:
        """Document every error response as problem+json with the Problem schema."""
        from flask_smorest.utils import prepare_response

        from recruit.api.schemas import ProblemSchema

        # Named as flask-smorest names them (its argument parser documents 422 by name).
        for status in HTTPStatus:
            if status < 400:
                continue
            title = TYPES[status][1] if status in TYPES else status.phrase
            response: dict[str, Any] = {"description": title, "schema": ProblemSchema}
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "A problem (RFC 9457)", "schema": ProblemSchema}
        prepare_response(default, self.spec, MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


def make_api(app: Flask, blueprints: list[Any]) -> RecruitApi:
    """Build this app's API description and register the API blueprints through it."""
    api = RecruitApi(
        spec_kwargs={
            "title": "recruit API",
            "version": API_VERSION,
            "openapi_version": OPENAPI_VERSION,
            "info": {
                "description": (
                    "The Midlands Engine recruitment service's JSON API. Public endpoints need "
                    "no token; the others take a personal access token as a bearer token. "
                    "Errors are RFC 9457 problem details; lists use cursor pagination."
                ),
                "license": {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"},
            },
            "servers": [{"url": str(app.config["BASE_URL"]).rstrip("/")}],
        }
    )
    api.init_app(app)
    api.spec.components.security_scheme(
        BEARER,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token made on the API tokens page.",
        },
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.extensions[EXTENSION] = api
    return api


def document(api: RecruitApi) -> dict[str, Any]:
    """The OpenAPI document as a dict."""
    return cast(dict[str, Any], api.spec.to_dict())


def route(blp: Blueprint, rule: str, **options: Any) -> Callable[[F], F]:
    """`blp.route`, typed."""
    return cast(Callable[[F], F], blp.route(rule, **options))


def arguments(blp: Blueprint, schema: Any, **options: Any) -> Callable[[F], F]:
    """`blp.arguments`, typed: parse and validate into the view's first argument (422 if bad).

    An unknown query parameter is refused too (422), so a misspelt filter is never silently
    ignored.
    """
    if options.get("location") == "query":
        options.setdefault("unknown", RAISE)
    return cast(Callable[[F], F], blp.arguments(schema, **options))


def response(blp: Blueprint, status: int, schema: Any = None, **options: Any) -> Callable[[F], F]:
    """`blp.response`, typed."""
    return cast(Callable[[F], F], blp.response(status, schema, **options))


def doc(blp: Blueprint, **options: Any) -> Callable[[F], F]:
    """`blp.doc`, typed: extra OpenAPI fields for the operation."""
    return cast(Callable[[F], F], blp.doc(**options))


def problems(blp: Blueprint, *statuses: int) -> Callable[[F], F]:
    """Document that the operation may answer these problems."""

    def decorate(func: F) -> F:
        for status in statuses:
            name = HTTPStatus(status).name
            func = cast(F, blp.alt_response(status, response=name)(func))
        return func

    return decorate
