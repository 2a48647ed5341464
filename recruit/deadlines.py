"""How long a request's receipt counts, and how long the closing job waits after a deadline.

The two belong together: the closing job must wait longer than any receipt stays valid, so every
request received on time has been decided, and committed, before a vacancy is marked closed and
its recruiters are told the count (see recruit.web.receipt).

A closing-time crowd queues in the front end (deploy/nginx.conf waits up to 150 s for the web
tier); a receipt stays valid for as long as a deployment sized for its crowd takes to drain it.
"""

from __future__ import annotations

from datetime import timedelta

RECEIPT_VALIDITY = timedelta(seconds=120)
CLOSING_GRACE = timedelta(seconds=180)
