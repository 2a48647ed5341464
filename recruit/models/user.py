"""Accounts and the one-time tokens that belong to them."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from recruit.models.base import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    """What an account may do."""

    CANDIDATE = "candidate"
    RECRUITER = "recruiter"
    ADMIN = "admin"
    PANEL = "panel"
    # Sees only the aggregate equal-opportunities reports: never an application or a person.
    EQUALITY = "equality"


STAFF_ROLES = frozenset({Role.RECRUITER, Role.ADMIN})


class User(UserMixin, Base):  # type: ignore[misc]
    """A person who can log in: candidate, recruiter, admin or panel member."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Role.CANDIDATE,
    )
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_disabled: Mapped[bool] = mapped_column(default=False)
    # Bumped on password change or logout-everywhere; the session carries it, so old sessions die.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the account was erased at its owner's request (UK GDPR Art. 17): the row stays
    # as a non-identifying tombstone so that counts stay right.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def get_id(self) -> str:
        """Session identifier: the id plus the generation, so a bump logs every session out."""
        return f"{self.id}:{self.session_generation}"

    @property
    def is_active(self) -> bool:
        """Disabled and unverified accounts cannot hold a session."""
        return not self.is_disabled and self.email_verified_at is not None

    @property
    def is_staff(self) -> bool:
        """Recruiters and admins run campaigns."""
        return self.role in STAFF_ROLES


class TokenPurpose(enum.StrEnum):
    """What a one-time emailed token is for."""

    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a label, not a secret
    INVITE = "invite"


class AccountToken(Base):
    """A single-use token sent by email; only its SHA-256 is stored."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(
        Enum(
            TokenPurpose,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
