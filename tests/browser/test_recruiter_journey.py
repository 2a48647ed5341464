"""A recruiter and two panel members from a new vacancy to a downloaded export, axe on each page."""

from __future__ import annotations

import csv
import io
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from recruit.models import ApplicationStatus
from tests.browser import recruiter as steps
from tests.browser.audit import Audit
from tests.browser.stack import BrowserStack
from tests.browser.steps import log_in, log_out

VACANCY = steps.NewVacancy(
    title="Director of Skills Partnerships",
    essential=("Built partnerships between colleges and employers",),
    desirable=("Knows the Midlands skills landscape",),
)


@contextmanager
def paused(pid: int) -> Iterator[None]:
    """SIGSTOP the worker process (ours: started by the stack fixture), SIGCONT afterwards."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def card_identity(page: Page, application_id: int) -> str:
    """The name (or, in an anonymised sift, the number) on an application's card."""
    link = page.locator(f"main a[href$='/admin/applications/{application_id}']").first
    return link.inner_text().strip()


def open_export(path: Path) -> list[list[object]]:
    """The rows of a downloaded export, whichever format it came in."""
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    text = path.read_text(encoding="utf-8-sig")
    return [list(row) for row in csv.reader(io.StringIO(text))]


def test_recruiter_sifts_moderates_moves_and_exports(
    page: Page, stack: BrowserStack, tmp_path: Path
) -> None:
    """Create and publish, two panel scores in an anonymised sift, moderate, move, export."""
    make = stack.make
    recruiter = make.recruiter(email="rae.recruiter@example.org", full_name="Rae Recruiter")
    panel = [
        make.panel_member(email="pia.panel@example.org", full_name="Pia Panel"),
        make.panel_member(email="per.panel@example.org", full_name="Per Panel"),
    ]
    staff, sift = Audit("recruiter"), Audit("panel")

    log_in(page, recruiter.email, recruiter.password)
    vacancy_id = steps.create_vacancy(page, VACANCY, staff)
    steps.publish(page, staff)
    steps.add_to_panel(page, vacancy_id, [p.full_name for p in panel], staff)
    applicants = [
        make.candidate(full_name=name) for name in ("Hidden Applicant One", "Hidden Applicant Two")
    ]
    apps = [make.application(a.id, vacancy_id, ApplicationStatus.SUBMITTED) for a in applicants]

    steps.open_board(page, vacancy_id, staff)
    first = card_identity(page, apps[0].id)
    assert "Hidden Applicant" not in first, "the sift is anonymised: no names on the board"
    steps.move_card(page, apps[0].id, first, "Under review", staff)
    log_out(page)

    for member in panel:
        log_in(page, member.email, member.password)
        page.goto(f"/admin/vacancies/{vacancy_id}/board")
        sift.check(page, "board (panel)")
        steps.score_application(page, first, applicants[0].full_name, sift)
        log_out(page)

    log_in(page, recruiter.email, recruiter.password)
    steps.moderate(page, apps[0].id, "3", staff)
    steps.open_board(page, vacancy_id, staff)
    steps.move_card(page, apps[0].id, first, "Shortlisted", staff)

    # The worker is paused while the export is requested, so the page opens on "queued" and
    # must move on by itself once the worker resumes.
    with paused(stack.worker.process.pid):
        steps.request_export(page, staff)
        first_state = steps.export_state(page)
    states = steps.watch_export(page, staff)
    assert states[0] == first_state and states[-1] != first_state, states
    download = steps.download_export(page, tmp_path)
    expect(page.get_by_role("main")).to_contain_text(download.name)
    rows = open_export(download)
    assert len(rows) == 1 + len(apps), f"one row per application, under a header: {rows}"

    staff.assert_accessible()
    sift.assert_accessible()
