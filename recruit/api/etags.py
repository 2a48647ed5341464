"""Entity tags on single objects and `If-Match` preconditions on their updates.

An ETag is a digest of the object's representation, so it changes whenever anything the client
was shown changes, whoever changed it (the API or the staff pages). An update must name the ETag
it read: none is a 428, a stale one a 412. The view compares it with the row locked (see
`recruit.api.access.lock_vacancy`), so the check and the write cannot interleave with another
update: of two updates made from the same ETag, one succeeds and the other gets a 412.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from flask import request

from recruit.api.problems import ProblemError

ETAG_HEADER: Final = {
    "ETag": {
        "description": "The representation's entity tag: send it back in `If-Match` to update.",
        "schema": {"type": "string"},
    }
}
# One or more entity tags (RFC 9110 section 8.8.3), the form `If-Match` takes here; `*` is not.
ETAG_LIST: Final = r'^ *(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")* *$'
IF_MATCH: Final[dict[str, Any]] = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": (
        "The `ETag` of the representation this change is based on. Missing: 428; "
        "no longer current: 412 (read the object again and reapply the change)."
    ),
    "schema": {"type": "string", "minLength": 2, "maxLength": 200, "pattern": ETAG_LIST},
}


def etag_of(body: Mapping[str, Any]) -> str:
    """The strong entity tag (unquoted) of a representation."""
    canonical = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def etag_header(body: Mapping[str, Any]) -> dict[str, str]:
    """The `ETag` response header for a representation."""
    return {"ETag": f'"{etag_of(body)}"'}


def require_if_match() -> None:
    """428 unless the request names the ETag it read (`*` names none, so it is refused too)."""
    value = request.headers.get("If-Match", "")
    if not value.strip():
        raise ProblemError(428, "Send If-Match with the ETag of the object you read.")
    if value.strip() == "*":
        raise ProblemError(428, "If-Match must name the ETag you read; `*` is not accepted.")
    if len(value) > 200 or not re.fullmatch(ETAG_LIST, value):
        raise ProblemError(400, 'If-Match must be an entity tag in quotes, like "abc123".')


def check_if_match(current: Mapping[str, Any]) -> None:
    """412 unless `If-Match` names the current representation's ETag (strong comparison)."""
    require_if_match()
    if not request.if_match.contains(etag_of(current)):
        raise ProblemError(
            412,
            "The object has changed since you read it; read it again and reapply your change.",
            etag_header(current),
        )
