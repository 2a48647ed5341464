"""Single-use emailed tokens: random, stored only as a hash, with an expiry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from recruit.extensions import db
from recruit.models import AccountToken, TokenPurpose, User, utcnow


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    """Create a token for `user` and return its raw value (256 bits from the OS CSPRNG)."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_digest(raw),
            expires_at=utcnow() + lifetime,
        )
    )
    return raw


def find_valid_token(raw: str, purpose: TokenPurpose) -> AccountToken | None:
    """The unused, unexpired token with this value and purpose, if any."""
    if not raw or len(raw) > 128:
        return None
    token = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _digest(raw), AccountToken.purpose == purpose
        )
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    return token


def consume_token(raw: str, purpose: TokenPurpose) -> User | None:
    """Mark the token used and return its user, or None if it is unknown, used or expired.

    The conditional UPDATE makes a double click or a replay lose the race cleanly.
    """
    token = find_valid_token(raw, purpose)
    if token is None:
        return None
    claimed = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(User, token.user_id)


def void_tokens(user: User, purpose: TokenPurpose) -> None:
    """Make every outstanding token of this purpose unusable."""
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
