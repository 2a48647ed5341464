"""`Idempotency-Key` on POST (and PATCH) requests: a retried request answers what the first one
did, and never acts twice.

Keys belong to the token's owner and last a day (`recruit.services.api_idempotency`). A key
already answered is replayed (with `Idempotent-Replayed: true`); the same key with another
method, path or body is a 422. Otherwise the view runs, and its `commit()` writes the key in the
same transaction as the change, so two requests racing with one key cannot both act: the second
waits for the first's key, then answers with the first's answer. Only successes are kept: a
request refused (4xx) changed nothing, and may be retried with the same key once corrected.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

from flask import Response, current_app, g, request
from flask_smorest import Blueprint

from recruit.api.auth import current_api_user
from recruit.api.problems import ProblemError
from recruit.api.spec import doc
from recruit.extensions import db
from recruit.models import IdempotencyKey
from recruit.services import api_idempotency

F = TypeVar("F", bound=Callable[..., Any])
HEADER: Final = "Idempotency-Key"
KEY_PATTERN: Final = "^[!-~]{1,255}$"
# What a replay gives back besides the body: enough to act on the answer.
KEPT_HEADERS: Final = ("Content-Type", "Location", "ETag")
IDEMPOTENCY_KEY: Final[dict[str, Any]] = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": (
        "A unique key (1 to 255 printable ASCII characters, such as a UUID) for this request. "
        "A retry with the same key and body answers what the first request answered, and "
        "never acts twice; the same key with another body is a 422. Keys last 24 hours."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN},
}


class _AlreadyAnsweredError(Exception):
    """Another request with this key finished first: answer with its answer."""

    def __init__(self, record: IdempotencyKey) -> None:
        super().__init__(record.key)
        self.record = record


def _key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not re.fullmatch(KEY_PATTERN, key):
        raise ProblemError(
            422,
            "The Idempotency-Key is not valid.",
            errors={"headers": {HEADER: ["1 to 255 printable ASCII characters, no spaces."]}},
        )
    return key


def _fingerprint() -> str:
    return api_idempotency.fingerprint(request.method, request.path, request.get_data(cache=True))


def _check_same(record: IdempotencyKey, digest: str) -> None:
    """422 unless the key was used for this very request."""
    if record.fingerprint != digest:
        raise ProblemError(
            422,
            "This Idempotency-Key was used for a different request; use a new key.",
            errors={"headers": {HEADER: ["Already used with another method, path or body."]}},
        )


def _replay(record: IdempotencyKey, digest: str) -> Response:
    """The first request's answer again; for a view whose answers are not kept (they name a
    candidate), the object as it is now, read as the view's GET would read it."""
    _check_same(record, digest)
    fresh: Callable[[], Response] | None = g.get("idempotency_fresh")
    if fresh is not None and not record.body:
        response = fresh()
        response.status_code = record.status_code
    else:
        response = current_app.response_class(record.body, status=record.status_code)
        for name, value in record.headers.items():
            response.headers[name] = str(value)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def commit() -> None:
    """End the view's transaction; under a key, write the key in it instead (the decorator
    commits once the answer is kept with it)."""
    key = g.get("idempotency_key")
    if key is None:
        db.session.commit()
        return
    db.session.flush()
    digest = _fingerprint()
    record = api_idempotency.claim(current_api_user().id, key, digest)
    if record is None:
        db.session.rollback()
        found = api_idempotency.find(current_api_user().id, key)
        if found is None:  # the other request failed after all: nothing to replay, so retry
            raise ProblemError(409, "A request with this Idempotency-Key is in progress.")
        _check_same(found, digest)
        raise _AlreadyAnsweredError(found)
    g.idempotency_record = record


def _run(func: Callable[..., Any], key: str, *args: Any, **kwargs: Any) -> Any:
    """Run the view under `key`, keeping a success's answer with the key."""
    g.idempotency_key = key
    try:
        response = func(*args, **kwargs)
    except _AlreadyAnsweredError as replay:
        return _replay(replay.record, replay.record.fingerprint)
    record: IdempotencyKey | None = g.get("idempotency_record")
    if (
        not isinstance(response, Response)
        or record is None
        or not 200 <= response.status_code < 300
    ):
        db.session.rollback()
        return response
    kept = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    body = response.get_data(as_text=True)
    if g.get("idempotency_fresh") is not None:
        # A personal answer is not kept: keys are no place for a candidate's data to outlive
        # an erasure. A replay reads the object afresh instead.
        body, kept = "", {}
    api_idempotency.remember(record, response.status_code, body, kept)
    db.session.commit()
    return response


def idempotent(
    blp: Blueprint, *parameters: dict[str, Any], fresh: Callable[..., Response] | None = None
) -> Callable[[F], F]:
    """Accept `Idempotency-Key` on a POST or PATCH (documented with the view's other header
    `parameters`, which would otherwise replace each other). With `fresh` (called with the
    view's path arguments) the answer is not kept, and a replay answers `fresh`'s reading."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = _key()
            if key is None:
                return func(*args, **kwargs)
            if fresh is not None:
                g.idempotency_fresh = functools.partial(fresh, **kwargs)
            found = api_idempotency.find(current_api_user().id, key)
            if found is not None:
                return _replay(found, _fingerprint())
            return _run(func, key, *args, **kwargs)

        return doc(blp, parameters=[*parameters, IDEMPOTENCY_KEY])(cast(F, wrapper))

    return decorate
