"""Opaque, signed cursors for keyset pagination: a position plus the filters it belongs to.

A cursor is the last row's sort key, signed with the app's secret key, so a client can neither
forge a position nor reuse one cursor with other filters (it would skip or repeat rows).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from recruit.api.problems import ProblemError
from recruit.urls import external_url

SALT = "recruit.api.cursor"
T = TypeVar("T")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt=SALT)


def fingerprint(kind: str, filters: Mapping[str, Any]) -> str:
    """A short digest of the list and its filters, so a cursor fits only the query it came from."""
    canonical = json.dumps([kind, sorted(filters.items())], default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode(kind: str, filters: Mapping[str, Any], position: Sequence[Any]) -> str:
    """The cursor for the page after `position` (the last row's sort key)."""
    return str(_serializer().dumps({"f": fingerprint(kind, filters), "p": list(position)}))


def decode(kind: str, filters: Mapping[str, Any], cursor: str) -> list[Any]:
    """The position in a cursor made for this list and filters; 400 for any other."""
    try:
        data = _serializer().loads(cursor)
    except BadSignature:
        raise ProblemError(400, "The cursor is not one this API issued.") from None
    if not isinstance(data, dict) or data.get("f") != fingerprint(kind, filters):
        raise ProblemError(400, "The cursor belongs to a different list or filters.")
    position = data.get("p")
    if not isinstance(position, list):
        raise ProblemError(400, "The cursor is not one this API issued.")
    return position


def paged(
    kind: str,
    endpoint: str,
    filters: Mapping[str, Any],
    rows: Sequence[T],
    limit: int,
    position: Callable[[T], Sequence[Any]],
) -> tuple[list[T], dict[str, Any]]:
    """The page in `rows` (fetched one over `limit`, to tell whether more follow) and its
    `next_cursor` and `links`, the next page's cursor made from `position(last row)`."""
    page = list(rows[:limit])
    paging: dict[str, Any] = {"next_cursor": None, "links": {}}
    if len(rows) > limit and page:
        next_cursor = encode(kind, filters, position(page[-1]))
        paging["next_cursor"] = next_cursor
        paging["links"]["next"] = external_url(endpoint, **filters, limit=limit, cursor=next_cursor)
    return page, paging
