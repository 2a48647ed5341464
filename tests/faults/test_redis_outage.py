"""Scenario 3: Redis stopped for 30 seconds, or frozen with SIGSTOP, while candidates apply."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from recruit.services.submission_notices import NOTICE_KIND
from testkit.factories import Factory
from testkit.people import bulk_users
from tests.faults.checks import (
    duplicates,
    log_tails,
    outbox_counts,
    submitted_per_candidate,
    wait_all_sent,
)
from tests.faults.report import record
from tests.faults.stack import Stack, running_stack
from tests.faults.traffic import Browser, Tally, apply

pytestmark = pytest.mark.timeout(360)

OUTAGE_SECONDS = 30.0
CANDIDATES = 50
BEFORE, AFTER = 5, 5
DELIVERY_BOUND = 120.0


def people(stack: Stack, tally: Tally) -> tuple[SimpleNamespace, list[Browser]]:
    """A vacancy with one recruiter, and logged-in candidates."""
    make = Factory(stack.app)
    recruiter = make.recruiter(email="lead@recruit.example")
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    browsers = []
    emails = [f"candidate{n}@example.org" for n in range(CANDIDATES)]
    for candidate in bulk_users(stack.app, emails):
        browser = Browser(stack.base_url, tally)
        assert browser.login(candidate.email, candidate.password)
        browsers.append(browser)
    return vacancy, browsers


def apply_during(stack: Stack, mode: str, vacancy: SimpleNamespace, browsers: list[Browser]) -> int:
    """Break Redis, keep applying for OUTAGE_SECONDS, then mend it; return how many applied."""
    if mode == "stopped":
        stack.redis.stop()
    else:
        stack.redis.freeze()
    began, used = time.monotonic(), BEFORE
    while time.monotonic() - began < OUTAGE_SECONDS and used < CANDIDATES - AFTER:
        apply(browsers[used], vacancy)
        used += 1
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - began)))
    if mode == "stopped":
        stack.redis.start()
    else:
        stack.redis.thaw()
    return used - BEFORE


@pytest.mark.parametrize("mode", ["stopped", "frozen"])
def test_the_web_accepts_applications_and_every_email_arrives(mode: str, tmp_path: Path) -> None:
    with running_stack(tmp_path) as stack:
        tally = Tally()
        vacancy, browsers = people(stack, tally)
        worker_pid = stack.worker.proc.pid
        for browser in browsers[:BEFORE]:
            apply(browser, vacancy)
        during = apply_during(stack, mode, vacancy, browsers)
        for browser in browsers[BEFORE + during :]:
            apply(browser, vacancy)
        applied = submitted_per_candidate(stack, vacancy.id)
        drained = wait_all_sent(stack, 2 * len(applied), DELIVERY_BOUND)
        counts, attempts = outbox_counts(stack)
        notices, _ = outbox_counts(stack, NOTICE_KIND)
        ids = stack.mail.message_ids()
        alive = stack.worker.alive and stack.worker.proc.pid == worker_pid
        applications = sum(applied.values())
    record(
        f"3-redis-{mode}",
        f"3. Redis {mode}",
        "redis-server stopped (SIGTERM, no persistence: queued tasks lost) for 30 s"
        if mode == "stopped"
        else "redis-server frozen with SIGSTOP for 30 s, then SIGCONT",
        "candidates apply before, during and after; no 5xx; one submitted application each; "
        "2 emails per application arrive once; worker recovers without restart",
        {
            "requests": tally.total,
            "5xx": tally.five_xx,
            "applications": applications,
            "during outage": during,
            "emails delivered": len(ids),
            "duplicate Message-IDs": duplicates(ids),
            "send attempts": attempts,
            "outbox": counts,
            "submission notices": notices,
            "drained after recovery (s)": drained,
            "worker restarted": not alive,
        },
    )
    assert tally.five_xx == 0, tally.server_errors
    assert during > 0
    assert applications == CANDIDATES and set(applied.values()) == {1}
    assert notices == {"sent": CANDIDATES}
    assert counts == {"sent": 2 * CANDIDATES}, log_tails(stack)
    assert len(ids) == 2 * CANDIDATES and duplicates(ids) == 0
    assert alive
