"""`Idempotency-Key`s of the API's POST requests: look one up, claim it, remember the answer,
and purge the expired. Never commits: the key is written in the request's own transaction.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from recruit.extensions import db, open_write_transaction
from recruit.models import IdempotencyKey, utcnow

# How long a key is remembered; a retry after that acts again.
LIFETIME: Final = timedelta(hours=24)


def fingerprint(method: str, path: str, body: bytes) -> str:
    """A digest of the request a key was used for: method, path and body (JSON compared by
    value, so a retry that reorders the keys or the spacing is still the same request)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = body.hex()
    text = f"{method.upper()} {path}\n{canonical}"
    return hashlib.sha256(text.encode()).hexdigest()


def find(user_id: int, key: str, now: datetime | None = None) -> IdempotencyKey | None:
    """The owner's live record of this key, if any."""
    return db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.expires_at > (now or utcnow()),
        )
    )


def claim(
    user_id: int, key: str, digest: str, now: datetime | None = None
) -> IdempotencyKey | None:
    """Write the key for this request, in the current transaction; None if another request
    has it (on PostgreSQL this waits until that request's transaction ends)."""
    moment = now or utcnow()
    # An expired record of the key gives way; the owner's other expired keys go with it.
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.expires_at <= moment
        )
    )
    open_write_transaction()
    record = IdempotencyKey(
        user_id=user_id,
        key=key,
        fingerprint=digest,
        status_code=0,
        body="",
        headers={},
        created_at=moment,
        expires_at=moment + LIFETIME,
    )
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        return None
    return record


def remember(record: IdempotencyKey, status_code: int, body: str, headers: dict[str, Any]) -> None:
    """Keep the answer the request got, to give it again to a retry."""
    record.status_code = status_code
    record.body = body
    record.headers = headers


def purge_expired(now: datetime | None = None) -> int:
    """Delete every expired key; how many went. (For a scheduled job: claims purge lazily.)"""
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.expires_at <= (now or utcnow()))
    )
    return int(getattr(result, "rowcount", 0) or 0)
