"""The JSON API's own tables: personal access tokens (scoped, expiring, revocable, stored
hashed) and the `Idempotency-Key`s of its POST requests with the answers they got."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recruit.models.base import Base, UTCDateTime, text_enum, utcnow

if TYPE_CHECKING:
    from recruit.models.user import User


class TokenScope(enum.StrEnum):
    """What a token may do: read, or read and write."""

    READ = "read"
    WRITE = "write"  # read and write


class ApiToken(Base):
    """A recruiter's or admin's personal access token; only its SHA-256 is stored.

    The token acts with its owner's rights and no more; `scope` narrows them further. The
    secret is shown once, when it is made; `prefix` (its first characters) lets the owner
    tell their tokens apart without it.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[TokenScope] = mapped_column(text_enum(TokenScope, 10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def is_live(self, now: datetime) -> bool:
        """Neither revoked nor expired at `now`."""
        return self.revoked_at is None and self.expires_at > now


class IdempotencyKey(Base):
    """A POST made with an `Idempotency-Key`, kept for a day with the answer it got.

    Keys belong to the token's owner, so two integrations of one person share them and two
    people never collide. `fingerprint` (a SHA-256 of the method, path and body) tells a retry
    from a different request that reused the key. The row is written in the same transaction
    as what the request did, so a request either acted and left its answer here, or did neither.
    """

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
