"""The recruiter's and the panel's journey, one step per page, driven by role and label.

Each step starts on the page it names, ends on the next, and runs `Audit.check` on every page
it reaches, so a redesigned page means adapting one function here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.audit import Audit
from tests.browser.steps import main


@dataclass
class NewVacancy:
    """What the recruiter types into "Create a vacancy"."""

    title: str
    essential: tuple[str, ...]
    desirable: tuple[str, ...]
    theme: str = "Skills"


def select_by_text(select: Locator, text: str) -> None:
    """Choose the option of `select` whose label contains `text`."""
    value = select.locator("option", has_text=text).first.get_attribute("value")
    assert value is not None, f"no option containing {text!r}"
    select.select_option(value)


def create_vacancy(page: Page, vacancy: NewVacancy, audit: Audit) -> int:
    """Dashboard -> "Create a vacancy" -> saved draft; returns the new vacancy's id."""
    page.goto("/admin/")
    audit.check(page, "admin dashboard")
    page.goto("/admin/vacancies/new")
    audit.check(page, "create a vacancy")
    page.get_by_label("Job title", exact=True).fill(vacancy.title)
    page.get_by_label("Summary").fill(f"Lead {vacancy.title.lower()} across the Midlands.")
    page.get_by_label("Description").fill("A senior role.\n\nWorking across the region.")
    page.get_by_label("Location").fill("Birmingham (hybrid)")
    page.get_by_label("Salary").fill("£90,000 to £100,000")
    page.get_by_label(vacancy.theme, exact=True).check()
    page.get_by_label("Essential criteria").fill("\n".join(vacancy.essential))
    page.get_by_label("Desirable criteria").fill("\n".join(vacancy.desirable))
    page.get_by_label("Sift applications anonymously").check()
    closes = date.today() + timedelta(days=21)
    page.get_by_label("Day").fill(str(closes.day))
    page.get_by_label("Month").fill(str(closes.month))
    page.get_by_label("Year").fill(str(closes.year))
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("saved as a draft")).to_be_visible()
    match = re.search(r"/admin/vacancies/(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


def publish(page: Page, audit: Audit) -> None:
    """The vacancy page's "Publish vacancy" button."""
    audit.check(page, "admin vacancy (draft)")
    main(page).get_by_role("button", name="Publish vacancy").click()
    expect(main(page)).to_contain_text("ublished")
    audit.check(page, "admin vacancy (published)")


def add_to_panel(page: Page, vacancy_id: int, names: list[str], audit: Audit) -> None:
    """The vacancy's panel page: add each panel member by name."""
    page.goto(f"/admin/vacancies/{vacancy_id}/panel")
    audit.check(page, "panel")
    for name in names:
        field = page.get_by_label("Panel member")
        select_by_text(field, name)
        field.locator("xpath=ancestor::form").get_by_role("button").click()
        expect(main(page)).to_contain_text(name)


def open_board(page: Page, vacancy_id: int, audit: Audit) -> None:
    """The vacancy page's link to its board."""
    page.goto(f"/admin/vacancies/{vacancy_id}")
    main(page).get_by_role("link", name=re.compile(r"^(Board|View applications)")).first.click()
    if "/board" not in page.url:
        page.goto(f"/admin/vacancies/{vacancy_id}/board")
    audit.check(page, "board")


def move_card(page: Page, application_id: int, identity: str, stage: str, audit: Audit) -> None:
    """On the board: the card's "Move <identity> to" select and its Move button.

    The card is found again by its link, not its name: an anonymised sift names the candidate
    once they are shortlisted.
    """
    select = page.get_by_label(f"Move {identity} to", exact=True)
    select_by_text(select, stage)
    select.locator("xpath=ancestor::form").get_by_role("button", name=f"Move {identity}").click()
    column = page.get_by_role("region", name=re.compile(f"^{re.escape(stage)}\\b"))
    expect(column.locator(f"a[href$='/admin/applications/{application_id}']")).to_be_visible()
    audit.check(page, f"board (moved to {stage})")


def score_application(page: Page, identity: str, hidden_name: str, audit: Audit) -> None:
    """Panel: board -> the card -> score every criterion -> submit; the name stays hidden."""
    page.get_by_role("link", name=identity).first.click()
    audit.check(page, "application (panel)")
    expect(main(page)).not_to_contain_text(hidden_name)
    if not page.get_by_role("radio").count():
        main(page).get_by_role("link", name=re.compile("Score")).first.click()
    for group in page.get_by_role("group").filter(has=page.get_by_role("radio")).all():
        group.get_by_role("radio").nth(3).check()
    main(page).get_by_role("button", name="Submit scores").click()
    expect(main(page)).to_contain_text("submitted")
    audit.check(page, "scores submitted (panel)")


def moderate(page: Page, application_id: int, agreed: str, audit: Audit) -> None:
    """Recruiter: "Agreed scores" -> see the panel's scores without scoring -> agree each one."""
    page.goto(f"/admin/applications/{application_id}/moderate")
    audit.check(page, "moderate (choose)")
    show = main(page).get_by_role("button", name="Show panel scores without scoring")
    if show.count():
        show.click()
    for select in main(page).get_by_role("combobox").all():
        select_by_text(select, agreed)
    main(page).get_by_role("button", name="Save agreed scores").click()
    audit.check(page, "moderate (agreed)")


def request_export(page: Page, audit: Audit) -> None:
    """Board -> "Export applications" -> all applications, as XLSX -> "Build export"."""
    main(page).get_by_role("link", name="Export applications").first.click()
    audit.check(page, "exports")
    page.get_by_label("All applications", exact=True).check()
    page.get_by_label(re.compile(r"^Spreadsheet \(XLSX\)")).check()
    with page.expect_navigation():
        main(page).get_by_role("button", name=re.compile("^(Build|Request|Start)")).click()


def export_state(page: Page) -> str:
    """The one state the export page shows now (its live region's text)."""
    return main(page).get_by_role("status").first.inner_text().strip()


def watch_export(page: Page, audit: Audit, timeout_ms: int = 60_000) -> list[str]:
    """The export page moves on to "ready" by itself; returns the states it showed, in order.

    Fails if the page reloads or navigates while waiting: the progress must update in place.
    """
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    seen = [export_state(page)]
    download = main(page).get_by_role("link", name=re.compile("^Download"))
    deadline_ms = timeout_ms
    while deadline_ms > 0 and not download.is_visible():
        text = export_state(page)
        if seen[-1] != text:
            seen.append(text)
        page.wait_for_timeout(100)
        deadline_ms -= 100
    seen.append(export_state(page))
    expect(download).to_be_visible()
    assert not loads, f"the export page reloaded while waiting: {loads}"
    audit.check(page, "export (ready)")
    return seen


def download_export(page: Page, workdir: Path) -> Path:
    """Click the download button and keep the file; returns where it is."""
    download_link = main(page).get_by_role("link", name=re.compile("^Download"))
    with page.expect_download() as info:
        download_link.click()
    target = workdir / info.value.suggested_filename
    info.value.save_as(target)
    return target
