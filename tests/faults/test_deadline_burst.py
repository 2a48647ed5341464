"""Scenario 5: 1,000 candidates submit in the last ten seconds, 100 twice, and 50 after closing.

Each candidate has saved their answers and CV with "Continue" and sits on the check-answers
page; the submit is its "Accept and send" POST, as the pages send it. Through nginx, as compose
runs it: the deadline is judged at nginx's arrival stamp.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from recruit.extensions import db
from recruit.models import Vacancy, utcnow
from testkit.factories import Factory
from testkit.people import bulk_users
from tests.faults.burst import fire, timed_post
from tests.faults.checks import duplicates, receipt_margin, submitted_per_candidate
from tests.faults.report import record
from tests.faults.stack import Stack, running_stack
from tests.faults.traffic import (
    Browser,
    Tally,
    application_form,
    check_path,
    cv_file,
    send_form,
)

pytestmark = pytest.mark.timeout(1200)

ON_TIME, DOUBLES, LATE = 1000, 100, 50
WINDOW = 10.0  # every on-time request leaves within the final 10 s before closing,
SEND_WINDOW = 9.5  # the last 0.5 s early
PREPARE_THREADS = 8
DELIVERY_BOUND = 300.0


def prepare(stack: Stack, tally: Tally) -> tuple[SimpleNamespace, list[Browser], list[str]]:
    """A vacancy and signed-in candidates, each with a saved draft and CV, on check answers."""
    make = Factory(stack.app)
    vacancy = make.vacancy(closes_in=timedelta(hours=1))
    path = f"/vacancies/{vacancy.reference}/apply"
    candidates = bulk_users(stack.app, [f"candidate{n}@example.org" for n in range(ON_TIME + LATE)])

    def ready(candidate: SimpleNamespace) -> tuple[Browser, str]:
        browser = Browser(stack.base_url, tally)
        browser.candidate_id = candidate.id
        assert browser.login(candidate.email, candidate.password)
        token = browser.token(path)
        assert token is not None
        saved = browser.post(path, application_form(vacancy, token, "continue"), cv_file())
        assert saved.status_code == 302 and saved.headers["Location"].endswith(check_path(vacancy))
        checked = browser.token(check_path(vacancy))
        assert checked is not None
        return browser, checked

    with ThreadPoolExecutor(max_workers=PREPARE_THREADS) as pool:
        prepared = list(pool.map(ready, candidates))
    return vacancy, [b for b, _ in prepared], [t for _, t in prepared]


def close_at(stack: Stack, vacancy_id: int, seconds: float) -> float:
    """Move the closing time to `seconds` from now; return it on the monotonic clock."""
    with stack.app.app_context():
        closes = utcnow() + timedelta(seconds=seconds)
        db.session.execute(update(Vacancy).where(Vacancy.id == vacancy_id).values(closes_at=closes))
        db.session.commit()
    return time.monotonic() + seconds


def test_the_deadline_admits_exactly_the_on_time_applications(tmp_path: Path) -> None:
    with running_stack(tmp_path, front=True) as stack:
        tally = Tally()
        vacancy, browsers, tokens = prepare(stack, tally)
        path = check_path(vacancy)
        forms = [send_form(token) for token in tokens]
        deadline = close_at(stack, vacancy.id, WINDOW + 4.0)
        start, step = deadline - WINDOW, SEND_WINDOW / ON_TIME
        # Each candidate submits once; every fourth clicks twice at the same instant.
        jobs = [timed_post(start + i * step, browsers[i], path, forms[i]) for i in range(ON_TIME)]
        jobs += [
            timed_post(start + i * step, browsers[i], path, forms[i])
            for i in range(0, ON_TIME, ON_TIME // DOUBLES)
        ]
        burst = fire(jobs, tally)
        # The late ones claim to have arrived well before closing; nginx overwrites the claim.
        forged = f"X-Request-Start: t={time.time() + (deadline - time.monotonic()) - 5:.3f}\r\n"
        late_jobs = [
            timed_post(deadline + 0.5, b, path, forms[ON_TIME + i], forged)
            for i, b in enumerate(browsers[ON_TIME:])
        ]
        late = fire(late_jobs, tally)
        applied = submitted_per_candidate(stack, vacancy.id)
        margin = receipt_margin(stack, vacancy.id)
        began = time.monotonic()
        while (
            len(stack.mail.handler.received) < len(applied)
            and time.monotonic() - began < DELIVERY_BOUND
        ):
            time.sleep(1)
        time.sleep(5)  # anything extra that was going to arrive would arrive now
        ids = stack.mail.message_ids()
        subjects = Counter(
            str(m.message["Subject"]).split(" for ")[0] for m in stack.mail.handler.received
        )
    burst_codes = Counter(a.status for a in burst)
    late_refused = sum(a.status == 400 and "closed at" in a.body for a in late)
    on_time_closed = sum("closed at" in a.body for a in burst)
    sent_early = max(deadline - a.sent for a in burst)
    sent_late = min(deadline - a.sent for a in burst)
    drained = max(a.answered for a in burst) - (deadline - WINDOW)
    answered_after = max(a.answered for a in burst) - deadline
    record(
        "5-deadline",
        "5. Deadline burst",
        f"{ON_TIME} submits sent through nginx in the last {WINDOW:.0f} s before closing (the "
        f"last {sent_late:.2f} s early), {DOUBLES} of them twice at once, then {LATE} submits "
        "0.5 s after closing, each claiming in X-Request-Start to have arrived 5 s before",
        f"exactly {ON_TIME} submitted applications, one per candidate; every late one refused; "
        f"no 5xx; exactly {ON_TIME} confirmation emails, no duplicate Message-ID",
        {
            "requests": tally.total,
            "5xx": tally.five_xx,
            "burst answers": dict(sorted(burst_codes.items())),
            "first sent before deadline (s)": round(sent_early, 2),
            "on-time submits refused as closed": on_time_closed,
            "burst answered within (s)": round(drained, 1),
            "last answer after closing (s)": round(answered_after, 2),
            "latest receipt before closing (s)": round(margin, 2),
            "applications": sum(applied.values()),
            "late refused": f"{late_refused}/{LATE}",
            "confirmation emails": len(ids),
            "duplicate Message-IDs": duplicates(ids),
        },
    )
    # The scenario itself: every burst request really left before the closing time.
    assert sent_late > 0, f"the load generator fell behind: a request left {-sent_late:.2f}s late"
    assert tally.five_xx == 0, tally.server_errors
    assert set(applied.values()) == {1}  # never two applications for one candidate
    assert not set(applied) & {b.candidate_id for b in browsers[ON_TIME:]}  # no late one
    assert late_refused == LATE
    assert subjects == Counter({"We have received your application": len(applied)})
    assert len(ids) == len(applied) and duplicates(ids) == 0
    # Received before the closing time, so on time, however long each waited to be decided.
    assert len(applied) == ON_TIME, f"{ON_TIME - len(applied)} on-time submits were refused"
    assert on_time_closed == 0
    # Every click, the second of a double click included, lands on the candidate's application.
    assert burst_codes == Counter({302: ON_TIME + DOUBLES}), burst_codes
