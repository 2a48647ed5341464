"""Personal access tokens: issue (shown once), find by secret, record each use, revoke."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from recruit.extensions import db
from recruit.models import STAFF_ROLES, ApiToken, Role, TokenScope, User, utcnow
from recruit.services import audit

# Every secret starts with this, so secret scanners and people can recognise one.
SECRET_PREFIX = "rct_"  # noqa: S105 - a label, not a secret
# How many characters of the secret are kept in clear to tell tokens apart.
SHOWN_CHARACTERS = 12
# The lifetimes a token may be given, in days; the longest is a year.
LIFETIMES = (7, 30, 90, 365)
MAX_LIFETIME_DAYS = max(LIFETIMES)


def digest(secret: str) -> str:
    """The stored form of a secret: its SHA-256 (the secret has 256 bits of entropy)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def may_hold_tokens(user: User) -> bool:
    """Only recruiters and admins may make tokens: the API is for staff integrations."""
    return user.role in STAFF_ROLES and user.is_active and user.erased_at is None


def issue(
    owner: User, name: str, scope: TokenScope, days: int, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """Make a token for `owner`; the secret is returned once and never stored."""
    if not may_hold_tokens(owner):
        raise PermissionError("only active recruiters and admins may hold API tokens")
    if not 1 <= days <= MAX_LIFETIME_DAYS:
        raise ValueError("a token lives between one day and a year")
    moment = now or utcnow()
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=owner.id,
        name=name.strip()[:100],
        prefix=secret[:SHOWN_CHARACTERS],
        token_hash=digest(secret),
        scope=scope,
        created_at=moment,
        expires_at=moment + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record("api_token_created", owner, detail=f"token {token.id} ({scope.value})")
    return token, secret


def find_live(secret: str, now: datetime | None = None) -> ApiToken | None:
    """The live token with this secret whose owner may still hold it, else None."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == digest(secret))
    )
    if token is None or not token.is_live(now or utcnow()):
        return None
    return token if may_hold_tokens(token.user) else None


def record_use(token: ApiToken, what: str, now: datetime | None = None) -> None:
    """Note the token's last use and add an audit event naming the request (never its body)."""
    token.last_used_at = now or utcnow()
    audit.record("api_token_used", token.user, detail=f"token {token.id}: {what}")


def visible_tokens(viewer: User) -> list[ApiToken]:
    """The tokens `viewer` may list: their own, or everyone's for an admin; newest first."""
    stmt = select(ApiToken).options(joinedload(ApiToken.user))
    if viewer.role is not Role.ADMIN:
        stmt = stmt.where(ApiToken.user_id == viewer.id)
    return list(db.session.scalars(stmt.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def find_revocable(viewer: User, token_id: int) -> ApiToken | None:
    """A token `viewer` may revoke: their own, or any for an admin."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        return None
    if token.user_id != viewer.id and viewer.role is not Role.ADMIN:
        return None
    return token


def revoke(token: ApiToken, actor: User, now: datetime | None = None) -> bool:
    """Revoke the token (idempotent); True if this call revoked it."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    audit.record(
        "api_token_revoked", actor, subject_user_id=token.user_id, detail=f"token {token.id}"
    )
    return True
