"""Accounts: registration, verification, login checks, password reset and staff invitations."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from recruit.extensions import db
from recruit.models import Role, TokenPurpose, User, utcnow
from recruit.notifications import catalog
from recruit.passwords import burn_password_work, hash_password, needs_rehash, verify_password
from recruit.services.resets import record_reset_request
from recruit.services.tokens import consume_token, issue_token, last_issued, void_tokens


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
        catalog.account_exists(existing)
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


# Unverified logins ask for a new link each time; one email per account this often is enough.
VERIFY_RESEND_INTERVAL = timedelta(minutes=5)


def send_verification(user: User) -> bool:
    """Email a fresh confirmation link (voiding older ones), unless one went out very recently.

    Returns whether an email was queued. The throttle reads the account's own tokens, so it
    holds across every web process and needs no Redis.
    """
    previous = last_issued(user, TokenPurpose.VERIFY_EMAIL)
    if previous is not None and utcnow() - previous < VERIFY_RESEND_INTERVAL:
        return False
    hours = int(current_app.config["VERIFY_TOKEN_HOURS"])
    raw = issue_token(user, TokenPurpose.VERIFY_EMAIL, timedelta(hours=hours))
    catalog.verify_email(user, raw, hours)
    return True


def verify_email(token_id: object) -> User | None:
    """Confirm the address behind a verification link; starts no session."""
    user = consume_token(token_id, TokenPurpose.VERIFY_EMAIL)
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
    """Record a reset request for a worker: the same row and work whether or not it is known."""
    record_reset_request(normalise_email(email))


def set_new_password(user: User, password: str) -> None:
    """Change the password, end every session and void every outstanding emailed link."""
    user.password_hash = hash_password(password)
    user.session_generation += 1
    void_tokens(user)  # reset, verification and invitation links alike
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the reset link proved the address
    catalog.password_changed(user)


def reset_password(token_id: object, password: str) -> User | None:
    """Use a reset link to set a new password; None if the link is not valid."""
    user = consume_token(token_id, TokenPurpose.RESET_PASSWORD)
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
    catalog.recruiter_invite(user, invited_by, raw, days)
    return user


def accept_invite(token_id: object, password: str) -> User | None:
    """Set the invitee's password and activate the account; None if the link is not valid."""
    user = consume_token(token_id, TokenPurpose.INVITE)
    if user is None:
        return None
    user.password_hash = hash_password(password)
    user.email_verified_at = utcnow()
    user.session_generation += 1
    void_tokens(user)  # a reset or verification link from before no longer applies
    return user
