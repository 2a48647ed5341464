"""When the service received a request, by the database clock: the moment deadlines judge.

A candidate who presses "Submit" before the closing time has applied on time, however long the
request then waits behind others in the web tier. So the deadline is judged at the moment the
whole request had arrived, by the database clock, not as the clock stands when the guarded
UPDATE finally runs. The browser's clock plays no part, nor anything else the client sends.

The database clock is read by the request's first query, its session lookup; the body is read
next (before the request waits for a work slot, see recruit.admission), and the receipt is that
reading plus the time the body took to arrive, measured on this process's monotonic clock.

A receipt counts for RECEIPT_VALIDITY: a request that waited longer than that to reach its
decision is judged by the clock at the decision. The scheduled closing job waits the longer
CLOSING_GRACE after a closing time, so every request received on time has been decided, and
committed, before the vacancy is marked closed and its recruiters are told the count.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from flask import g, has_request_context, session

RECEIPT_VALIDITY = timedelta(seconds=30)
CLOSING_GRACE = timedelta(seconds=60)


def mark_received() -> None:
    """Record the receipt: the session's clock reading plus the time the body took to arrive.

    A before-request hook, run once the body has been read and before any wait for a slot.
    """
    read_at: datetime | None = getattr(session, "read_at", None)
    read_monotonic: float | None = getattr(session, "read_monotonic", None)
    if read_at is None or read_monotonic is None:
        return
    now = time.monotonic()
    g.received_at = read_at + timedelta(seconds=now - read_monotonic)
    g.received_monotonic = now


def received_at() -> datetime | None:
    """When this request was received, by the database clock; None to judge by the clock now."""
    if not has_request_context():
        return None
    received: datetime | None = g.get("received_at")
    since: float | None = g.get("received_monotonic")
    if received is None or since is None:
        return None
    if time.monotonic() - since > RECEIPT_VALIDITY.total_seconds():
        return None
    return received
