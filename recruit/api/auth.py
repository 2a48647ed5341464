"""Bearer-token authentication and per-token rate limits for the API.

Only the `Authorization: Bearer` header authenticates: the session cookie is never read here, so
a browser signed in to the website cannot be led into an API write (the API is CSRF-exempt for
that reason). A token acts as its owner, narrowed by its scope; every use is audited.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, request
from flask_smorest import Blueprint

from recruit.api.problems import ProblemError
from recruit.api.spec import BEARER, doc, problems
from recruit.extensions import db
from recruit.models import ApiToken, TokenScope, User
from recruit.services import api_tokens
from recruit.web.ratelimit import Limiter

F = TypeVar("F", bound=Callable[..., Any])
LIMITER = "recruit.api.limiter"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_limiter(app: Flask) -> None:
    """One limiter for the API, with the web tier's stores (Redis, else memory) and its own limits.

    Its `ip_limit` is the per-token limit; public requests count per address against
    `API_RATELIMIT_PER_ADDRESS` through a second instance.
    """
    config = app.config
    window = int(config["API_RATELIMIT_WINDOW_SECONDS"])
    prefix = f"{config['RATELIMIT_PREFIX']}api:"

    def limiter(limit: int, kind: str) -> Limiter:
        settings: Mapping[str, Any] = {
            **config,
            "RATELIMIT_PREFIX": f"{prefix}{kind}:",
            "RATELIMIT_PER_ADDRESS": limit,
            "RATELIMIT_WINDOW_SECONDS": window,
        }
        return Limiter(settings)

    app.extensions[LIMITER] = {
        "token": limiter(int(config["API_RATELIMIT_PER_TOKEN"]), "token"),
        "address": limiter(int(config["API_RATELIMIT_PER_ADDRESS"]), "address"),
    }


def _limit(kind: str, key: str) -> None:
    decision = current_app.extensions[LIMITER][kind].hit_address("api", key)
    if not decision.allowed:
        wait = str(decision.retry_after)
        raise ProblemError(
            429, f"Rate limit reached; retry after {wait} seconds.", {"Retry-After": wait}
        )


def limit_address() -> None:
    """Count a public request against its address's limit (429 with Retry-After once over)."""
    _limit("address", request.remote_addr or "unknown")


def public(blp: Blueprint) -> Callable[[F], F]:
    """A public endpoint: no token, limited per address before anything else (even a bad
    request counts), and documented as answering 429."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            limit_address()
            return func(*args, **kwargs)

        return problems(blp, 429)(cast(F, wrapper))

    return decorate


def _challenge(error: str = "") -> dict[str, str]:
    value = 'Bearer realm="recruit"' + (f', error="{error}"' if error else "")
    return {"WWW-Authenticate": value}


def bearer_secret() -> str | None:
    """The secret from `Authorization: Bearer ...`, or None if the header is absent."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ProblemError(
            401, "Use `Authorization: Bearer <token>`.", _challenge("invalid_request")
        )
    return secret.strip()


def authenticate(scope: TokenScope) -> ApiToken:
    """The live token the request carries, allowed `scope`, counted and audited; else a problem."""
    secret = bearer_secret()
    if secret is None:
        raise ProblemError(401, "This endpoint needs a personal access token.", _challenge())
    token = api_tokens.find_live(secret)
    if token is None:
        db.session.rollback()
        raise ProblemError(
            401, "The token is unknown, expired or revoked.", _challenge("invalid_token")
        )
    if scope is TokenScope.WRITE and token.scope is not TokenScope.WRITE:
        db.session.rollback()
        raise ProblemError(403, "This token may only read.", {}, required_scope="write")
    _limit("token", str(token.id))
    api_tokens.record_use(token, f"{request.method} {request.endpoint or '-'}")
    # The use is kept even if the view fails: the log is of who tried what.
    db.session.commit()
    return token


def current_api_user() -> User:
    """The owner of the token that authenticated this request."""
    user = g.get("api_user")
    if user is None:
        raise RuntimeError("current_api_user() outside an authenticated API view")
    return cast(User, user)


def authenticated(blp: Blueprint, scope: TokenScope | None = None) -> Callable[[F], F]:
    """Require a bearer token (read scope for reads, write scope otherwise) and document it."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            needed = scope or (
                TokenScope.READ if request.method in READ_METHODS else TokenScope.WRITE
            )
            token = authenticate(needed)
            g.api_token = token
            g.api_user = token.user
            return func(*args, **kwargs)

        documented = doc(blp, security=[{BEARER: []}])(cast(F, wrapper))
        return problems(blp, 401, 403, 429)(documented)

    return decorate
