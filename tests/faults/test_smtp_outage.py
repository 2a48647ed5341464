"""Scenario 2: the mail server is down, or answers 451, for 60 seconds while work piles up."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from tests.faults.checks import outbox_counts
from tests.faults.report import record
from tests.faults.stack import Stack, running_stack
from tests.faults.traffic import Browser, Tally

pytestmark = pytest.mark.timeout(420)

OUTAGE_SECONDS = 60.0
NOTIFICATIONS = 100
DELIVERY_BOUND = 240.0  # the longest retry delay in play is 64s; this is ample


def register(browser: Browser, n: int) -> int:
    """Create a candidate account through the form (it queues a verification email)."""
    token = browser.token("/register")
    data = {
        "full_name": f"Fault Candidate {n}",
        "email": f"candidate{n}@example.org",
        "password": "copper kettle morning harbour",
        "csrf_token": token or "",
    }
    return browser.post("/register", data).status_code


def all_sent(stack: Stack) -> bool:
    """Every row is sent."""
    counts, _ = outbox_counts(stack)
    return counts.get("sent", 0) == NOTIFICATIONS and sum(counts.values()) == NOTIFICATIONS


@pytest.mark.parametrize("mode", ["down", "451"])
def test_notifications_made_during_an_smtp_outage_all_arrive_once(
    mode: str, tmp_path: Path
) -> None:
    with running_stack(tmp_path) as stack:
        tally = Tally()
        if mode == "down":
            stack.mail.stop()
        else:
            stack.mail.handler.refusing.set()
        began = time.monotonic()
        codes = Counter(register(Browser(stack.base_url, tally), n) for n in range(NOTIFICATIONS))
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - began)))
        if mode == "down":
            stack.mail.start()
        else:
            stack.mail.handler.refusing.clear()
        recovered = time.monotonic()
        deadline = recovered + DELIVERY_BOUND
        while time.monotonic() < deadline and not all_sent(stack):
            time.sleep(1)
        drained = time.monotonic() - recovered
        ids = stack.mail.message_ids()
        counts, attempts = outbox_counts(stack)
        assert stack.worker.alive and stack.web.alive
    duplicates = len(ids) - len(set(ids))
    record(
        f"2-smtp-{mode}",
        f"2. SMTP {'down' if mode == 'down' else 'answering 451'}",
        "SMTP server stopped (connection refused) for 60 s"
        if mode == "down"
        else "every DATA answered `451 4.3.0` for 60 s",
        "100 registrations made during the outage; every verification email delivered once "
        "after recovery; unique Message-IDs; no 5xx",
        {
            "requests": tally.total,
            "5xx": tally.five_xx,
            "emails delivered": len(ids),
            "duplicate Message-IDs": duplicates,
            "send attempts": attempts,
            "451 replies": stack.mail.handler.refused,
            "outbox": counts,
            "drained after recovery (s)": round(drained, 1),
        },
    )
    assert codes == Counter({302: NOTIFICATIONS}), codes
    assert tally.five_xx == 0, tally.server_errors
    assert counts == {"sent": NOTIFICATIONS}
    assert len(ids) == NOTIFICATIONS and duplicates == 0
    expected = {f"candidate{n}@example.org" for n in range(NOTIFICATIONS)}
    assert {rcpt for item in stack.mail.handler.received for rcpt in item.rcpt_tos} == expected
    assert attempts > NOTIFICATIONS  # the outage really did make sends fail and retry
