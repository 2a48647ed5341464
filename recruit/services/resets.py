"""Password-reset requests: the web records one, a worker decides whether to send a link.

The request does the same work for every address: one outbox row of kind `reset_request`,
committed, then published like any outbox row. Only the worker looks the address up, so
neither the answer nor its timing tells whether an account exists (ASVS 6.3.8). The worker
also sends at most one reset email per account every RESET_EMAIL_INTERVAL_SECONDS, so nobody
can flood an inbox by asking again and again; the asker sees the same page either way.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from recruit.extensions import db
from recruit.models import OutboxMessage, OutboxStatus, TokenPurpose, User, utcnow
from recruit.notifications import catalog
from recruit.outbox.store import mark_sent
from recruit.services.tokens import issue_token, last_issued

RESET_REQUEST_KIND = "reset_request"


def record_reset_request(email: str) -> OutboxMessage:
    """Record, in the caller's transaction, that someone asked for a reset link for `email`."""
    row = OutboxMessage(
        kind=RESET_REQUEST_KIND,
        template=RESET_REQUEST_KIND,
        recipient=email.strip().lower(),
        payload={},
        status=OutboxStatus.PENDING,
    )
    db.session.add(row)
    return row


def is_reset_request(row: OutboxMessage) -> bool:
    """True for a reset request (work for a worker), False for an email to send."""
    return row.kind == RESET_REQUEST_KIND


def _sent_recently(user: User) -> bool:
    interval = timedelta(seconds=int(current_app.config["RESET_EMAIL_INTERVAL_SECONDS"]))
    previous = last_issued(user, TokenPurpose.RESET_PASSWORD)
    return previous is not None and utcnow() - previous < interval


def send_reset_link(user: User) -> None:
    """Queue an email with a fresh reset link (older reset links stop working)."""
    minutes = int(current_app.config["RESET_TOKEN_MINUTES"])
    raw = issue_token(user, TokenPurpose.RESET_PASSWORD, timedelta(minutes=minutes))
    catalog.password_reset(user, raw, minutes)


def fulfil_reset_request(row: OutboxMessage) -> str:
    """Act on a claimed reset request; "sent", "limited" or "unknown". The caller commits.

    The account row is locked first, so two workers acting on requests for the same address
    at once take turns, and the second sees the link the first issued.
    """
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == row.recipient).with_for_update()
    )
    outcome = "unknown"
    if user is not None and not user.is_disabled:
        outcome = "limited" if _sent_recently(user) else "sent"
    if outcome == "sent" and user is not None:
        send_reset_link(user)
    mark_sent(row)
    row.recipient = ""  # an address someone typed is not kept once acted on
    return outcome
