"""`make bench`: every figure of issue #12, the product beside its baselines, in one window.

Run as ``.venv/bin/python -m bench.run``. It starts the product (bench.stack: gunicorn with the
production config, a Celery worker and beat, PostgreSQL, Redis, an SMTP sink) and the bare
baseline app under the same gunicorn config, seeds them, then measures with wrk, each product run
between two baseline runs of the same length and connections:

- P1 submit: submits of signed-in candidates, each the "Accept and send" POST of a draft (PDF
  CV, statement, 3 evidence boxes) saved with the form's "Continue" while preparing, against
  the bare one-INSERT endpoint;
- P2a board: a recruiter's board of a 10,000-application vacancy against one-INSERT (and, as a
  detail, page 1 at 100 against 10,000 applications, one request at a time);
- P2b list: the public vacancy list, anonymous, against bare hello;
- P6 burst: 1,000 submits ("Accept and send" of saved drafts) over the last 10 s before
  closing through nginx (testkit.frontend), then 50 after closing.

P3, P4 and P5 come from bench.handoff, bench.email and bench.exports (each module's `run()`),
each in a child process with a time limit. Prints one line per figure, the load average at the
start and the end, and writes the lines to bench/last-run.md. Exits 1 if any figure failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import figures
from bench.figures import selected
from bench.stack import PROJECT_ROOT, running_bare, running_product

OUTPUT = Path(__file__).resolve().parent / "last-run.md"
# The whole run stays within 15 minutes (`make bench` stops it at 900 s): the external figures
# share what the HTTP figures leave of this budget, each keeping a minute for those after it.
BUDGET_SECONDS = 840
RESERVE_SECONDS = 60
# Each external figure's own time limit, at most.
EXTERNAL: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("bench.handoff", 120, ("P3 handoff",)),
    ("bench.email", 200, ("P4 email",)),
    ("bench.exports", 300, ("P5a csv", "P5b xlsx")),
)
ORDER = ("P1", "P2a", "P2b", "P3", "P4", "P5a", "P5b", "P6")


@dataclass
class Report:
    """The figure lines so far, and whether any failed."""

    lines: list[str] = field(default_factory=list)
    failed: bool = False

    def say(self, line: str) -> None:
        """Print a line now and keep it for the table."""
        print(line, flush=True)
        self.lines.append(line)

    def error(self, label: str, reason: str) -> None:
        """A figure that could not be measured."""
        self.failed = True
        self.say(f"{label} ERROR {reason}")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages and the core count."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def guarded(report: Report, label: str, measure: Callable[[], list[str]]) -> None:
    """Run one figure; on any failure print `<label> ... ERROR <reason>` and carry on."""
    if not selected(label):
        return
    try:
        for line in measure():
            report.say(line)
    except Exception as exc:  # one figure's failure must not stop the others
        traceback.print_exc(file=sys.stderr)
        report.error(label, f"{exc.__class__.__name__}: {str(exc)[:300]}")


def external(report: Report, module: str, limit: int, figures: tuple[str, ...]) -> None:
    """Call `module.run()` in a child process with a time limit, passing its figure lines on."""
    labels = {figure.split()[0]: figure for figure in figures}
    code = (
        f"import {module} as m\nresult = m.run()\n"
        "lines = [result] if isinstance(result, str) else list(result or [])\n"
        "print('\\n'.join(str(x) for x in lines), flush=True)\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        for figure in figures:
            report.error(figure, f"{module}.run() took over {limit}s")
        return
    seen = set()
    for line in done.stdout.splitlines():
        first = line.split(" ", 1)[0]
        if first in labels and first not in seen:
            seen.add(first)
            report.say(line)
        elif line.startswith("#"):
            report.say(line)
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    for label, figure in labels.items():
        if label in seen:
            continue
        if done.returncode != 0:
            report.error(figure, f"{module}.run() failed: {tail[:300]}")
        else:
            report.error(figure, f"{module}.run() printed no {label} line")


def http_figures(report: Report, workdir: Path) -> None:
    """P1, P2a, P2b and P6 against one product stack and one bare app."""
    try:
        with running_product(workdir) as product, running_bare(workdir, product.db_url) as bare:
            began = time.monotonic()
            ready = figures.prepare(product, workdir)
            report.say(f"# prepared in {time.monotonic() - began:.0f}s: {ready.summary()}")
            guarded(report, "P1 submit", lambda: figures.submit(product, bare, ready))
            guarded(report, "P2a board", lambda: figures.board(product, bare, ready))
            guarded(report, "P2b list", lambda: figures.vacancy_list(product, bare))
            guarded(report, "P6 burst", lambda: figures.burst(product, ready, workdir))
    except Exception as exc:  # the stack did not start: say so for every figure it serves
        traceback.print_exc(file=sys.stderr)
        for label in filter(selected, ("P1 submit", "P2a board", "P2b list", "P6 burst")):
            if not any(line.startswith(label.split()[0] + " ") for line in report.lines):
                report.error(label, f"stack: {exc.__class__.__name__}: {str(exc)[:200]}")


def table(report: Report) -> str:
    """The figure lines as a markdown table: label, what, and the figures."""
    found = [[*line.split(" ", 2), "", ""][:3] for line in report.lines if line.startswith("P")]
    found.sort(key=lambda row: ORDER.index(row[0]) if row[0] in ORDER else len(ORDER))
    rows = ["| figure | path | result |", "| --- | --- | --- |"]
    rows += [f"| {label} | {what} | {rest} |" for label, what, rest in found]
    return "\n".join(rows)


def write_table(report: Report, start_load: str, end_load: str, seconds: float) -> None:
    """bench/last-run.md: a table for the README, the machine's load, and every line printed."""
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = (
        f"`make bench` on {stamp}, {os.cpu_count()} cores, {seconds / 60:.1f} minutes; "
        f"load average at start {start_load}, at end {end_load}.\n\n"
        + table(report)
        + "\n\n```\n"
        + "\n".join(report.lines)
        + "\n```\n"
    )
    OUTPUT.write_text(text, encoding="utf-8")


def main() -> int:
    """Run every figure; 0 when each was measured, 1 when any failed."""
    began = time.monotonic()
    start_load = load_average()
    report = Report()
    print(f"# load average at start: {start_load}", flush=True)
    if os.environ.get("BENCH_KEEP"):
        # Keep the logs (gunicorn, worker, nginx) to see why a figure looks as it does.
        kept = Path(tempfile.mkdtemp(prefix="recruit-bench-"))
        print(f"# logs kept in {kept}", flush=True)
        http_figures(report, kept)
    else:
        with tempfile.TemporaryDirectory(prefix="recruit-bench-") as folder:
            http_figures(report, Path(folder))
    for n, (module, limit, names) in enumerate(EXTERNAL):
        if not any(selected(name) for name in names):
            continue
        left = (
            BUDGET_SECONDS - (time.monotonic() - began) - RESERVE_SECONDS * (len(EXTERNAL) - n - 1)
        )
        external(report, module, int(max(30, min(limit, left))), names)
    end_load = load_average()
    seconds = time.monotonic() - began
    print(f"# load average at end: {end_load}; took {seconds:.0f}s", flush=True)
    write_table(report, start_load, end_load, seconds)
    print(f"# table written to {OUTPUT.relative_to(PROJECT_ROOT)}", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
