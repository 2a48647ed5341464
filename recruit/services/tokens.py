"""Single-use emailed tokens: random, stored only as a hash, with an expiry.

A link carries its token in the query string of the first request only: the view moves the
token's id into the server-side session and redirects to a clean URL (recruit.auth.links).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from recruit.extensions import db
from recruit.models import AccountToken, TokenPurpose, User, utcnow

# Every token minted since links stopped carrying it in the URL path starts with this mark.
# Older tokens travelled in paths that access logs recorded, so one without it is refused.
MARK = "t2."


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    """Create a token for `user`, voiding older ones of its purpose; return its raw value.

    256 bits from the OS CSPRNG after the mark. Only the newest link of a kind works.
    """
    void_tokens(user, purpose)
    raw = MARK + secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_digest(raw),
            expires_at=utcnow() + lifetime,
        )
    )
    return raw


def _usable(token: AccountToken | None, purpose: TokenPurpose) -> AccountToken | None:
    if token is None or token.purpose is not purpose:
        return None
    if token.used_at is not None or token.expires_at <= utcnow():
        return None
    return token


def find_valid_token(raw: str, purpose: TokenPurpose) -> AccountToken | None:
    """The unused, unexpired token with this value and purpose, if any."""
    if not raw or len(raw) > 128 or not raw.startswith(MARK):
        return None
    token = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _digest(raw), AccountToken.purpose == purpose
        )
    )
    return _usable(token, purpose)


def token_by_id(token_id: object, purpose: TokenPurpose) -> AccountToken | None:
    """The unused, unexpired token with this id (as the session keeps it) and purpose, if any."""
    if not isinstance(token_id, int) or isinstance(token_id, bool) or token_id <= 0:
        return None
    return _usable(db.session.get(AccountToken, token_id), purpose)


def consume_token(token_id: object, purpose: TokenPurpose) -> User | None:
    """Mark the token used and return its user, or None if it is unknown, used or expired.

    The conditional UPDATE makes a double click or a replay lose the race cleanly.
    """
    token = token_by_id(token_id, purpose)
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


def void_tokens(user: User, purpose: TokenPurpose | None = None) -> None:
    """Make every outstanding token of this purpose (or of every purpose) unusable."""
    statement = update(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.used_at.is_(None)
    )
    if purpose is not None:
        statement = statement.where(AccountToken.purpose == purpose)
    db.session.execute(statement.values(used_at=utcnow()))


def last_issued(user: User, purpose: TokenPurpose) -> datetime | None:
    """When the newest token of this purpose was made for `user`, used or not."""
    return db.session.scalar(
        select(func.max(AccountToken.created_at)).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose
        )
    )
