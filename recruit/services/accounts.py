"""Accounts: registration, verification, login checks, password reset and staff invitations."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from recruit.extensions import db
from recruit.models import Role, TokenPurpose, User, utcnow
from recruit.outbox import enqueue_email
from recruit.passwords import burn_password_work, hash_password, needs_rehash, verify_password
from recruit.services.tokens import consume_token, issue_token, void_tokens
from recruit.urls import external_url


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding space."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account with this email, if any."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def register_candidate(full_name: str, email: str, password: str) -> None:
    """Start a candidate account, or tell the owner of an existing one; same work either way."""
    password_hash = hash_password(password)
    existing = find_user_by_email(email)
    if existing is not None:
        enqueue_email(
            "account_exists",
            existing.email,
            full_name=existing.full_name,
            login_url=external_url("auth.login"),
            reset_url=external_url("auth.forgot_password"),
        )
        return
    user = User(
        full_name=full_name.strip(),
        email=normalise_email(email),
        password_hash=password_hash,
        role=Role.CANDIDATE,
    )
    db.session.add(user)
    db.session.flush()
    send_verification(user)


def send_verification(user: User) -> None:
    """Email a fresh link that confirms the address and activates the account."""
    hours = int(current_app.config["VERIFY_TOKEN_HOURS"])
    raw = issue_token(user, TokenPurpose.VERIFY_EMAIL, timedelta(hours=hours))
    enqueue_email(
        "verify_email",
        user.email,
        full_name=user.full_name,
        verify_url=external_url("auth.verify_email", token=raw),
        hours=hours,
    )


def verify_email(raw_token: str) -> User | None:
    """Activate the account behind a verification link."""
    user = consume_token(raw_token, TokenPurpose.VERIFY_EMAIL)
    if user is not None and user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def check_credentials(email: str, password: str) -> User | None:
    """The user whose email and password these are, or None. Unknown emails cost the same."""
    user = find_user_by_email(email)
    if user is None or user.is_disabled:
        burn_password_work(password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; otherwise do nothing visible."""
    user = find_user_by_email(email)
    if user is None or user.is_disabled:
        return
    minutes = int(current_app.config["RESET_TOKEN_MINUTES"])
    raw = issue_token(user, TokenPurpose.RESET_PASSWORD, timedelta(minutes=minutes))
    enqueue_email(
        "password_reset",
        user.email,
        full_name=user.full_name,
        reset_url=external_url("auth.reset_password", token=raw),
        minutes=minutes,
    )


def set_new_password(user: User, password: str) -> None:
    """Change the password, end every session and void outstanding reset links."""
    user.password_hash = hash_password(password)
    user.session_generation += 1
    void_tokens(user, TokenPurpose.RESET_PASSWORD)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the reset link proved the address
    enqueue_email(
        "password_changed",
        user.email,
        full_name=user.full_name,
        reset_url=external_url("auth.forgot_password"),
    )


def reset_password(raw_token: str, password: str) -> User | None:
    """Use a reset link to set a new password; None if the link is not valid."""
    user = consume_token(raw_token, TokenPurpose.RESET_PASSWORD)
    if user is None:
        return None
    set_new_password(user, password)
    return user


def create_staff_user(email: str, full_name: str, role: Role, password: str) -> User:
    """Create a verified staff account (used by the CLI)."""
    if find_user_by_email(email) is not None:
        raise ValueError(f"an account for {normalise_email(email)} already exists")
    user = User(
        email=normalise_email(email),
        full_name=full_name.strip(),
        role=role,
        password_hash=hash_password(password),
        email_verified_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def invite_staff(email: str, full_name: str, role: Role, invited_by: User) -> User:
    """Create an inactive staff account and email its owner a link to set a password."""
    if find_user_by_email(email) is not None:
        raise ValueError("An account with that email address already exists")
    user = User(
        email=normalise_email(email),
        full_name=full_name.strip(),
        role=role,
        # Unusable until the invitee sets one: nobody knows this random value.
        password_hash=hash_password(secrets.token_urlsafe(32)),
    )
    db.session.add(user)
    db.session.flush()
    days = int(current_app.config["INVITE_TOKEN_DAYS"])
    raw = issue_token(user, TokenPurpose.INVITE, timedelta(days=days))
    enqueue_email(
        "recruiter_invite",
        user.email,
        full_name=user.full_name,
        invited_by=invited_by.full_name,
        role=role.value,
        accept_url=external_url("auth.accept_invite", token=raw),
        days=days,
    )
    return user


def accept_invite(raw_token: str, password: str) -> User | None:
    """Set the invitee's password and activate the account; None if the link is not valid."""
    user = consume_token(raw_token, TokenPurpose.INVITE)
    if user is None:
        return None
    user.password_hash = hash_password(password)
    user.email_verified_at = utcnow()
    user.session_generation += 1
    return user
