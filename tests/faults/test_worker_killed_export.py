"""Scenario 1: the worker is SIGKILLed mid-export; a fresh worker finishes the export once."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest
from kombu import Connection

from recruit.extensions import db
from recruit.models import ExportJob, ExportStatus, Role, utcnow
from recruit.outbox.dispatch import celery_client
from testkit.factories import Factory
from testkit.people import PASSWORD, bulk_applications, bulk_users
from tests.faults.report import record
from tests.faults.services import Process, kill_tree, spawn, stop_process, wait_for, worker_command
from tests.faults.stack import Stack, running_stack
from tests.faults.traffic import Browser, Tally
from tests.support.worker import worker_env

pytestmark = pytest.mark.timeout(420)

ROWS = 6000  # enough for the XLSX build to take seconds, so it can be caught half-way
STALE_SECONDS = 10  # production waits 16 min (longer than a task may run) before taking over
BOUND = 120.0
SWEEP_TASK = "recruit.exports.sweep"
Rows = dict[str, list[tuple[object, ...]]]


def job_state(stack: Stack, export_id: int) -> tuple[ExportStatus, int, int, float]:
    """Status, progress done, attempts and seconds since the claim, read from the database."""
    with stack.app.app_context():
        job = db.session.get(ExportJob, export_id)
        assert job is not None
        age = (utcnow() - job.claimed_at).total_seconds() if job.claimed_at else 0.0
        state = (job.status, job.progress_done, job.attempts, age)
        db.session.rollback()
    return state


def half_built(stack: Stack, export_id: int) -> bool:
    """Whether a worker is building the export and has written some rows."""
    status, done, _, _ = job_state(stack, export_id)
    return status is ExportStatus.BUILDING and done > 0


def poll(check: Callable[[], bool], what: str, bound: float = BOUND, every: float = 0.05) -> None:
    """Call `check` until it is true, failing after `bound` seconds."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"{what} not reached within {bound}s")


def request_export(browser: Browser, vacancy_id: int) -> int:
    """Ask for an XLSX of every application through the form; return the export id."""
    page = f"/admin/vacancies/{vacancy_id}/exports"
    token = browser.token(page)
    assert token is not None
    data = {"fmt": "xlsx", "which": "all", "stage": "", "csrf_token": token}
    response = browser.post(page, data)
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def sheets(browser: Browser, export_id: int) -> Rows:
    """Download the export and read every sheet's cell values (the bytes embed a timestamp)."""
    response = browser.get(f"/admin/exports/{export_id}/download")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


@contextmanager
def fresh_worker(stack: Stack) -> Iterator[Process]:
    """A new worker process, as a supervisor would start after the crash."""
    worker = spawn("worker-fresh", worker_command(), worker_env(stack.app), stack.workdir / "w2")
    try:
        wait_for(lambda: " ready." in worker.log(), "fresh worker")
        yield worker
    finally:
        stop_process(worker.proc)


def sweep_until_ready(stack: Stack, export_id: int) -> int:
    """Once the claim is stale, publish the sweep (beat does so every minute) until it is ready."""
    sweeps, last = 0, 0.0
    while True:
        status, _, _, age = job_state(stack, export_id)
        if status is not ExportStatus.BUILDING or sweeps > 5:
            return sweeps
        if age > STALE_SECONDS + 1 and time.monotonic() - last > 20:
            with stack.app.app_context():
                celery_client(stack.app).send_task(SWEEP_TASK)
            sweeps, last = sweeps + 1, time.monotonic()
        time.sleep(0.5)


def redeliver_unacked(stack: Stack) -> int:
    """Do now what Redis does when the 2 h visibility timeout passes: requeue unacked tasks."""
    with Connection(stack.redis.url, transport_options={"visibility_timeout": 0}) as conn:
        channel = conn.default_channel
        waiting = int(channel.client.hlen(channel.unacked_key))
        channel.qos.restore_visible(num=1000, interval=1)
    return waiting


def test_a_killed_export_is_finished_once_by_a_fresh_worker(tmp_path: Path) -> None:
    with running_stack(tmp_path, {"EXPORT_STALE_SECONDS": STALE_SECONDS}) as stack:
        make = Factory(stack.app)
        (lead,) = bulk_users(stack.app, ["lead@recruit.example"], Role.RECRUITER)
        vacancy = make.vacancy(recruiter_ids=(lead.id,))
        rows = bulk_applications(stack.app, vacancy.id, ROWS)
        browser = Browser(stack.base_url, Tally())
        assert browser.login(lead.email, PASSWORD)
        export_dir = Path(stack.app.config["EXPORT_DIR"])
        killed = request_export(browser, vacancy.id)
        poll(lambda: half_built(stack, killed), "building with progress")
        _, done_at_kill, _, _ = job_state(stack, killed)
        kill_tree(stack.worker.proc)
        scratch_left = len(list(export_dir.glob(".build-*")))
        with fresh_worker(stack) as worker:
            sweeps = sweep_until_ready(stack, killed)
            poll(lambda: job_state(stack, killed)[0] is ExportStatus.READY, "ready", every=0.5)
            requeued = redeliver_unacked(stack)
            skipped = f"export {killed} skipped"
            poll(lambda: skipped in worker.log(), "redelivered task skipped", every=0.5)
            clean = request_export(browser, vacancy.id)
            poll(lambda: job_state(stack, clean)[0] is ExportStatus.READY, "clean build", every=0.5)
            time.sleep(3)  # let the last 'ready' emails arrive
            log = worker.log()
        status, done, attempts, _ = job_state(stack, killed)
        files = sorted(p.name for p in export_dir.glob(f"export-{killed}.*"))
        scratch_after = sorted(p.name for p in export_dir.glob(".build-*"))
        same = sheets(browser, killed) == sheets(browser, clean)
        mails = [m.text for m in stack.mail.handler.received]
        emails = {j: sum(f"/admin/exports/{j}" in t for t in mails) for j in (killed, clean)}
    record(
        "1-worker-killed",
        "1. Worker killed mid-export",
        f"worker and its pool children SIGKILLed while building an XLSX of {rows} applications "
        f"(at {done_at_kill}/{rows} rows); a fresh worker started; claim stale after "
        f"{STALE_SECONDS} s (16 min in production); the unacked task redelivered as Redis does "
        "after its visibility timeout",
        "one file, status ready, two attempts, one 'export ready' email, no scratch folder left, "
        "the redelivered task skipped, the same cells as a clean build",
        {
            "rows": rows,
            "progress at kill": f"{done_at_kill}/{rows}",
            "status": status.value,
            "attempts": attempts,
            "files": len(files),
            "scratch folders left by the kill": scratch_left,
            "scratch folders after": len(scratch_after),
            "sweeps published": sweeps,
            "unacked tasks redelivered": requeued,
            "redelivered copies skipped": log.count(skipped),
            "'export ready' emails": emails[killed],
            "same cells as a clean build": same,
        },
    )
    assert 0 < done_at_kill < rows
    assert status is ExportStatus.READY and done == rows and attempts == 2
    assert files == [f"export-{killed}.xlsx"]
    assert scratch_after == []
    assert requeued >= 1 and log.count(skipped) >= 1
    assert emails == {killed: 1, clean: 1}
    assert same
