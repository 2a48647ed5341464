"""When the service received a request, by the database clock: the moment deadlines judge.

A candidate who presses "Submit" before the closing time has applied on time, however long the
request then waits behind others in the web tier. So the deadline is judged at the moment the
whole request had arrived, by the database clock, not as the clock stands when the guarded
UPDATE finally runs. The browser's clock plays no part, nor anything else the client sends.

The database clock is read by the request's first query, its session lookup; the body is read
next (before the request waits for a work slot, see recruit.web.admission), and the receipt is that
reading plus the time the body took to arrive, measured on this process's monotonic clock.

A receipt counts for RECEIPT_VALIDITY: a request that waited longer than that to reach its
decision is judged by the clock at the decision. The scheduled closing job waits the longer
CLOSING_GRACE after a closing time (both in recruit.deadlines).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g, has_request_context, session

from recruit.deadlines import RECEIPT_VALIDITY


@dataclass(frozen=True)
class ClockReading:
    """The database clock at one moment, paired with this process's monotonic clock then."""

    at: datetime
    monotonic: float

    @classmethod
    def taken(cls, at: datetime) -> ClockReading:
        """A reading of the database clock that has just come back as `at`."""
        return cls(at, time.monotonic())

    def moved_on(self) -> ClockReading:
        """The same clock now: the reading plus the monotonic time since it was taken."""
        now = time.monotonic()
        return ClockReading(self.at + timedelta(seconds=now - self.monotonic), now)

    def age(self) -> float:
        """Seconds since the reading, on the monotonic clock."""
        return time.monotonic() - self.monotonic


def mark_received() -> None:
    """Record the receipt: the session's clock reading moved on to now, the body being read.

    A before-request hook, run once the body has been read and before any wait for a slot.
    """
    reading: ClockReading | None = getattr(session, "clock", None)
    if reading is not None:
        g.receipt = reading.moved_on()


def received_at() -> datetime | None:
    """When this request was received, by the database clock; None to judge by the clock now."""
    if not has_request_context():
        return None
    receipt: ClockReading | None = g.get("receipt")
    if receipt is None or receipt.age() > RECEIPT_VALIDITY.total_seconds():
        return None
    return receipt.at
