"""How long a request's receipt counts, and how long the closing job waits after a deadline.

The two belong together: the closing job must wait longer than any receipt stays valid, so every
request received on time has been decided, and committed, before a vacancy is marked closed and
its recruiters are told the count (see recruit.web.receipt).
"""

from __future__ import annotations

from datetime import timedelta

RECEIPT_VALIDITY = timedelta(seconds=30)
CLOSING_GRACE = timedelta(seconds=60)
