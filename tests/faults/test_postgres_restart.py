"""Scenario 4: PostgreSQL goes down and comes back while people use the site."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from recruit.services.submission_notices import NOTICE_KIND
from testkit.factories import Factory
from testkit.people import bulk_users
from tests.faults.checks import duplicates, outbox_counts, submitted_per_candidate, wait_all_sent
from tests.faults.report import record
from tests.faults.stack import running_stack
from tests.faults.traffic import Browser, Tally, apply

pytestmark = pytest.mark.timeout(300)

DOWN_SECONDS = 10.0
CANDIDATES = 30
RECOVERY_BOUND = 60.0
DELIVERY_BOUND = 120.0


def test_the_web_answers_503_then_recovers_and_loses_nothing(tmp_path: Path) -> None:
    with running_stack(tmp_path) as stack:
        tally = Tally()
        make = Factory(stack.app)
        vacancy = make.vacancy(recruiter_ids=(make.recruiter().id,))
        browsers = []
        emails = [f"candidate{n}@example.org" for n in range(CANDIDATES)]
        for candidate in bulk_users(stack.app, emails):
            browsers.append(Browser(stack.base_url, tally))
            assert browsers[-1].login(candidate.email, candidate.password)
        pids = {p.name: p.proc.pid for p in stack.processes()}
        outcome: Counter[str] = Counter()
        anonymous = Browser(stack.base_url, tally)
        for browser in browsers[:5]:
            response = apply(browser, vacancy)
            outcome["before"] += response is not None and response.status_code == 302
        codes_before = Counter(tally.codes)
        stack.pg.ctl("stop")
        began, used, retry = time.monotonic(), 5, []
        while time.monotonic() - began < DOWN_SECONDS and used < CANDIDATES:
            for path in ("/", "/vacancies", f"/vacancies/{vacancy.reference}"):
                anonymous.get(path)
            response = apply(browsers[used], vacancy)
            if response is not None and response.status_code == 302:
                outcome["during"] += 1
            else:
                retry.append(browsers[used])
            used += 1
        down_codes = dict(tally.codes - codes_before)
        stack.pg.ctl("start")
        restarted = time.monotonic()
        while time.monotonic() - restarted < RECOVERY_BOUND:
            if anonymous.get("/vacancies").status_code == 200:
                break
            time.sleep(0.5)
        recovery = round(time.monotonic() - restarted, 1)
        for browser in retry + browsers[used:]:
            response = apply(browser, vacancy)
            outcome["after"] += response is not None and response.status_code == 302
        health = requests.get(f"{stack.base_url}/healthz", timeout=10).json()
        applied = submitted_per_candidate(stack, vacancy.id)
        drained = wait_all_sent(stack, 2 * len(applied), DELIVERY_BOUND)
        counts, attempts = outbox_counts(stack)
        notices, _ = outbox_counts(stack, NOTICE_KIND)
        ids = stack.mail.message_ids()
        same = all(p.alive and p.proc.pid == pids[p.name] for p in stack.processes())
    record(
        "4-postgres",
        "4. PostgreSQL restarted",
        f"the cluster stopped (`pg_ctlcluster stop -m fast`) for {DOWN_SECONDS:.0f} s, then "
        "started; pages and applications requested throughout",
        "friendly 503 page (never 500) while down; web, worker and beat recover without restart; "
        "every application accepted exists once; its 2 emails arrive once",
        {
            "requests": tally.total,
            "status codes": dict(sorted(tally.codes.items())),
            "status codes while down": dict(sorted(down_codes.items())),
            "friendly 503 pages": tally.friendly_503,
            "non-503 5xx": len(tally.server_errors),
            "applications": sum(applied.values()),
            "web answering again after (s)": recovery,
            "emails delivered": len(ids),
            "duplicate Message-IDs": duplicates(ids),
            "send attempts": attempts,
            "outbox": counts,
            "submission notices": notices,
            "drained (s)": drained,
            "processes restarted": not same,
        },
    )
    assert tally.server_errors == []
    assert tally.friendly_503 > 0 and tally.codes[503] == tally.friendly_503
    assert health["status"] == "ok"
    assert sum(applied.values()) == CANDIDATES and set(applied.values()) == {1}
    assert sum(outcome.values()) == CANDIDATES
    assert notices == {"sent": CANDIDATES}
    assert counts == {"sent": 2 * CANDIDATES}
    assert len(ids) == 2 * CANDIDATES and duplicates(ids) == 0
    assert same
