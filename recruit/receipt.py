"""When the service received a request, by the database clock: the moment deadlines judge.

A candidate who presses "Submit" before the closing time has applied on time, however long the
request then waits behind others in the web tier. So the deadline is judged against the
database clock as read by the request's first query (its session lookup), not as it stands when
the guarded UPDATE finally runs. The browser's clock plays no part.

A reading counts only while the request is young: one that took longer than RECEIPT_GRACE to
reach its decision (a body trickled in slowly, say) is judged by the clock at the decision.
The scheduled closing job waits the same grace, so every request received on time has been
decided before the vacancy is marked closed and its recruiters are told the count.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from flask import has_request_context, session

RECEIPT_GRACE = timedelta(seconds=60)


def received_at() -> datetime | None:
    """The database clock when this request's session was read, or None to use the clock now."""
    if not has_request_context():
        return None
    read_at: datetime | None = getattr(session, "read_at", None)
    read_monotonic: float | None = getattr(session, "read_monotonic", None)
    if read_at is None or read_monotonic is None:
        return None
    if time.monotonic() - read_monotonic > RECEIPT_GRACE.total_seconds():
        return None
    return read_at
