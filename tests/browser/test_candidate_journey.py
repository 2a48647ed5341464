"""A candidate's whole journey by keyboard only, with axe on every page at both widths."""

from __future__ import annotations

from playwright.sync_api import Page

from testkit.documents import pdf_bytes
from tests.browser import candidate as steps
from tests.browser.audit import Audit
from tests.browser.stack import BrowserStack

TITLE = "Director of Digital Connectivity"
ESSENTIAL = ("Led a regional digital infrastructure programme",)
DESIRABLE = ("Worked with combined authorities",)


def test_candidate_applies_and_withdraws_by_keyboard(page: Page, stack: BrowserStack) -> None:
    """Register, verify, browse by theme, apply with a PDF, draft, return, submit, withdraw."""
    stack.make.vacancy(
        title=TITLE, themes=("connectivity",), essential=ESSENTIAL, desirable=DESIRABLE
    )
    who = steps.Applicant(
        "Ada Keyboard", "ada.keyboard@example.org", "violet kettle marching slowly"
    )
    audit = Audit("candidate")

    steps.register(page, who, audit)
    steps.verify_from_email(page, stack, who, audit)
    steps.log_in(page, who, audit)
    steps.browse_by_theme(page, "Connectivity", TITLE, audit)
    steps.start_application(page, audit)
    evidence = {ESSENTIAL[0]: "I led the Midlands gigabit programme for four years."}
    statement = "I want to connect every town in the region to fast, reliable networks."
    steps.fill_application(page, evidence, statement, pdf_bytes("Ada Keyboard CV"))
    steps.save_draft(page, audit)
    steps.return_to_draft(page, TITLE, audit)
    steps.check_answers_and_submit(page, audit)
    reference = steps.see_confirmation(page, audit)
    assert reference, "the confirmation panel shows the application's reference"
    steps.withdraw(page, audit)
    audit.assert_accessible()
