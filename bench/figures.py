"""The HTTP figures of `make bench` (P1, P2a, P2b, P6), measured against a running stack.

Each load figure runs the baseline, then the product, then the baseline again, with the same
wrk connections and duration; the baseline figure is the mean of its two runs, so drift in the
machine's load during the window shows in neither side alone.
"""

from __future__ import annotations

import http.client
import os
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

from sqlalchemy import create_engine, func, select, text, update

from bench import load, pages
from bench.http import (
    AGENT,
    SignedIn,
    fire,
    save_drafts,
    sign_in,
    submit_request,
    write_requests,
)
from bench.stack import Product
from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, User, Vacancy, utcnow
from recruit.outbox import status as outbox_status
from recruit.web.staff_pages import staff_cache
from testkit.factories import Factory
from testkit.frontend import nginx_front
from testkit.people import bulk_users

# Prepared submits for P1 ("Accept and send" of drafts saved while preparing): more than the
# product can take in the window (a thread that runs out stops early; the '#' line says so).
SUBMITS = int(os.environ.get("BENCH_SUBMITS", "6000"))
BURST, AFTER_CLOSE, BURST_WINDOW = 1000, 50, 10.0
BOARD_SIZES = (100, 10_000)
# The status code in a gunicorn access log line (gunicorn.conf.py's access_log_format).
ACCESS_STATUS = re.compile(rb'"[A-Z]+ [^"]* HTTP/[0-9.]+" ([1-5][0-9][0-9]) ')
PAGE_REPEAT = 20
# Submits leave their emails to the worker; ~2,000 of them take about a minute to send.
SETTLE_LIMIT = 120.0
ESSENTIAL = (
    "Leadership of a regional programme worth over £50m",
    "Building partnerships across councils, universities and business",
)
DESIRABLE = ("Experience of rail or energy investment cases",)


@dataclass
class Ready:
    """What `prepare` made."""

    vacancy: SimpleNamespace
    submits: Path
    board: pages.BoardSeed
    board_cookie: str
    burst_vacancy: SimpleNamespace
    burst_people: list[SignedIn]
    p1_count: int

    def summary(self) -> str:
        """One line on what was seeded."""
        sizes = ", ".join(f"{n:,}" for n in self.board.vacancy_ids)
        return (
            f"{self.p1_count:,} signed-in candidates for P1, "
            f"board vacancies of {sizes} applications, "
            f"{len(self.burst_people):,} signed-in candidates for P6"
        )


def _candidates(product: Product, kind: str, count: int) -> list[SignedIn]:
    if not count:
        return []
    people = bulk_users(product.app, [f"bench-{kind}-{n}@example.org" for n in range(count)])
    return sign_in(product.app, [p.id for p in people])


def selected(label: str) -> bool:
    """Whether `BENCH_ONLY` (say "P1,P2a"; "P5" means P5a and P5b) asks for this figure; all
    of them when it is unset."""
    wanted = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
    first = label.split()[0]
    return not wanted or first in wanted or first[:2] in wanted


def prepare(product: Product, workdir: Path) -> Ready:
    """Seed the board and list, and sign in every candidate the submits need."""
    engine = create_engine(product.db_url)
    board = pages.seed_board(engine, BOARD_SIZES)
    pages.seed_open_vacancies(engine, 30)
    make = Factory(product.app)
    vacancy = make.vacancy(closes_in=timedelta(hours=3), essential=ESSENTIAL, desirable=DESIRABLE)
    burst_vacancy = make.vacancy(
        closes_in=timedelta(hours=3), essential=ESSENTIAL, desirable=DESIRABLE
    )
    host = urlsplit(product.url).netloc
    # Each candidate has saved their answers and CV ("Continue") and is on the check-answers
    # page: what P1 and P6 send is the "Accept and send" POST, the request the deadline judges.
    p1_people = _candidates(product, "p1", SUBMITS if selected("P1") else 0)
    save_drafts(product.url, vacancy, p1_people)
    requests = [submit_request(host, vacancy, s) for s in p1_people]
    folder = write_requests(workdir / "p1-requests", requests)
    burst_people = _candidates(product, "p6", BURST + AFTER_CLOSE if selected("P6") else 0)
    save_drafts(product.url, burst_vacancy, burst_people)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    engine.dispose()
    with product.app.app_context():
        recruiter = db.session.scalars(select(User.id).where(User.email == board.email)).one()
        db.session.remove()
    cookie = sign_in(product.app, [recruiter])[0].cookie
    return Ready(vacancy, folder, board, cookie, burst_vacancy, burst_people, len(p1_people))


def _unsent(product: Product) -> bool:
    """Whether any outbox row is still pending or being sent (the operators' summary)."""
    with product.app.app_context():
        backlog = outbox_status.summary().oldest_pending_age_seconds is not None
        db.session.remove()
    return backlog


def settle(product: Product) -> None:
    """Wait (bounded) until the worker has acted on every outbox row and stopped sending mail,
    so one figure's background work does not run inside the next figure's window."""
    deadline = time.monotonic() + SETTLE_LIMIT
    last, still = -1, 0
    while time.monotonic() < deadline and still < 3:
        now = product.mail.received
        still = still + 1 if now == last and not _unsent(product) else 0
        last = now
        time.sleep(0.5)


def side_by_side(
    product: Product, ours: Callable[[], load.Result], base: Callable[[], load.Result]
) -> tuple[load.Result, load.Result, load.Result]:
    """Baseline, product, baseline, each after the worker has settled."""
    first = base()
    settle(product)
    middle = with_answers(product, ours)
    settle(product)
    return first, middle, base()


def with_answers(product: Product, ours: Callable[[], load.Result]) -> load.Result:
    """`ours()`, with the answers by status that the product's access log shows for it."""
    log = product.services[0].log_path
    offset = log.stat().st_size
    result = ours()
    with log.open("rb") as access:
        access.seek(offset)
        codes = Counter(int(m[1]) for m in ACCESS_STATUS.finditer(access.read()))
    return replace(result, answers=str(dict(sorted(codes.items()))))


def lines(
    label: str, runs: tuple[load.Result, load.Result, load.Result], base_name: str
) -> list[str]:
    """The figure line and a '#' detail line."""
    first, ours, last = runs
    base_rate = (first.rate + last.rate) / 2
    base_p99 = (first.p99_ms + last.p99_ms) / 2
    ratio = ours.rate / base_rate if base_rate else 0.0
    p99_ratio = ours.p99_ms / base_p99 if base_p99 else 0.0
    return [
        f"{label} product={ours.rate:.1f}/s baseline={base_rate:.1f}/s ratio={ratio:.2f} "
        f"p99_ratio={p99_ratio:.1f}",
        f"# {label.split()[0]} product: {ours.describe()}; {base_name}: {first.describe()}, "
        f"then {last.describe()}",
    ]


def _submitted(product: Product, vacancy_id: int) -> dict[int, int]:
    """Submitted (not draft) applications per candidate of a vacancy."""
    with product.app.app_context():
        rows = db.session.execute(
            select(Application.candidate_id, func.count())
            .where(
                Application.vacancy_id == vacancy_id,
                Application.status != ApplicationStatus.DRAFT,
            )
            .group_by(Application.candidate_id)
        ).all()
        db.session.remove()
    return {int(c): int(n) for c, n in rows}


def submit(product: Product, bare: str, ready: Ready) -> list[str]:
    """P1: submits ("Accept and send" of saved drafts) against the bare one-INSERT endpoint."""
    runs = side_by_side(
        product,
        lambda: load.submits(product.url, ready.submits),
        lambda: load.insert(bare),
    )
    stored = sum(_submitted(product, ready.vacancy.id).values())
    out = lines("P1 submit", runs, "one-INSERT")
    return [*out, f"# P1 applications stored: {stored} (wrk counted {runs[1].accepted} redirects)"]


def _page_ms(url: str, path: str, cookie: str, before: Callable[[], None]) -> float:
    """Median milliseconds of one GET at a time, on one kept-alive connection; `before` runs
    before each request, untimed."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    times = []
    try:
        for n in range(PAGE_REPEAT + 2):
            before()
            began = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie, "User-Agent": AGENT})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            if n >= 2:  # the first two warm the process's caches
                times.append(1000 * (time.perf_counter() - began))
    finally:
        conn.close()
    return statistics.median(times)


def board(product: Product, bare: str, ready: Ready) -> list[str]:
    """P2a: the 10,000-application board against one-INSERT; page 1 at 100 against 10,000.

    The recruiter asks for the same page again and again with nothing changing, so after the
    first request each process serves its kept copy (recruit.web.staff_pages). Two '#' lines
    say what rendering costs: page 1 alone with the copy ended before each request, and a run
    under load where no request repeats a query string, so every page is rendered.
    """
    small, big = (
        f"/admin/vacancies/{ready.board.vacancy_ids[n]}/applications" for n in BOARD_SIZES
    )
    kept = staff_cache(product.app)
    small_ms = _page_ms(product.url, small, ready.board_cookie, kept.bump)
    big_ms = _page_ms(product.url, big, ready.board_cookie, kept.bump)
    headers = [f"Cookie: {ready.board_cookie}", f"User-Agent: {AGENT}"]
    runs = side_by_side(
        product,
        lambda: load.get(product.url + big, headers=headers),
        lambda: load.insert(bare),
    )
    settle(product)
    rendered = with_answers(product, lambda: load.unique(product.url + big, headers=headers))
    base_rate = (runs[0].rate + runs[2].rate) / 2
    return [
        *lines("P2a board", runs, "one-INSERT"),
        f"# P2a page 1 alone, rendered: {BOARD_SIZES[0]:,} applications {small_ms:.1f}ms, "
        f"{BOARD_SIZES[1]:,} applications {big_ms:.1f}ms, ratio={big_ms / small_ms:.2f}",
        f"# P2a rendered every time (no query string repeats): {rendered.describe()}; "
        f"ratio={rendered.rate / base_rate:.2f} against the one-INSERT runs above",
    ]


def vacancy_list(product: Product, bare: str) -> list[str]:
    """P2b: the public vacancy list, anonymous, against bare hello."""
    path = pages.list_path()
    runs = side_by_side(
        product, lambda: load.get(product.url + path), lambda: load.get(f"{bare}/hello")
    )
    return lines("P2b list", runs, "hello")


def _close_in(product: Product, vacancy_id: int, seconds: float) -> float:
    """Move the closing time `seconds` ahead; return it on this process's monotonic clock."""
    with product.app.app_context():
        closes = utcnow() + timedelta(seconds=seconds)
        deadline = time.monotonic() + seconds
        db.session.execute(update(Vacancy).where(Vacancy.id == vacancy_id).values(closes_at=closes))
        db.session.commit()
        db.session.remove()
    return deadline


def burst(product: Product, ready: Ready, workdir: Path) -> list[str]:
    """P6: 1,000 submits over the last 10 s before closing, through nginx; 50 after it."""
    upstream = urlsplit(product.url).port or 80
    people = ready.burst_people
    with nginx_front(workdir / "nginx", upstream) as port:
        host = f"127.0.0.1:{port}"
        raw = [submit_request(host, ready.burst_vacancy, p, close=True) for p in people]
        deadline = _close_in(product, ready.burst_vacancy.id, BURST_WINDOW + 3.0)
        step = (BURST_WINDOW - 0.1) / BURST
        jobs = [(deadline - BURST_WINDOW + i * step, raw[i]) for i in range(BURST)]
        jobs += [(deadline + 0.5 + j * 0.02, raw[BURST + j]) for j in range(AFTER_CLOSE)]
        answers = fire("127.0.0.1", port, jobs)
    on_time, after = answers[:BURST], answers[BURST:]
    applied = _submitted(product, ready.burst_vacancy.id)
    early = {p.user_id for p in people[:BURST]}
    accepted = sum(1 for c in applied if c in early)
    refused_late = sum(1 for a in on_time if a.status == 400 and "closed at" in a.body)
    after_refused = sum(1 for a in after if 400 <= a.status < 500 and "closed at" in a.body)
    after_accepted = sum(1 for c in applied if c not in early)
    five_xx = sum(1 for a in answers if a.status >= 500)
    codes = Counter(a.status for a in answers)
    failures = Counter(a.body.split(":")[0] for a in answers if a.status == 0)
    left_late = sum(1 for a in on_time if a.sent >= deadline)
    last_before = min(deadline - a.sent for a in on_time)
    drained = max(a.answered for a in on_time) - (deadline - BURST_WINDOW)
    return [
        f"P6 burst accepted={accepted} of {BURST} late_refused={refused_late}",
        f"# P6 5xx={five_xx} answers={dict(sorted(codes.items()))} failures={dict(failures)} "
        f"after_close_refused={after_refused} of {AFTER_CLOSE} "
        f"after_close_accepted={after_accepted} sent_after_close_by_mistake={left_late} "
        f"last_on_time_left={last_before:.2f}s_before_close burst_answered_within={drained:.1f}s "
        f"duplicates={sum(1 for n in applied.values() if n > 1)}",
    ]
