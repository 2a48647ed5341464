"""The candidate's journey, one keyboard-only step per page (Tab, Enter, Space; no mouse).

Each step starts on the page it names and ends on the next one, so a redesigned page means
adapting one function. `Audit.check` runs on every page the journey reaches.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from tests.browser.audit import Audit
from tests.browser.keyboard import choose_file, follow, start_over, type_into
from tests.browser.mail import email_to, link_in
from tests.browser.stack import BrowserStack
from tests.browser.steps import main


@dataclass
class Applicant:
    """Who the candidate is, and what they write."""

    full_name: str
    email: str
    password: str


def control(page: Page, name: str) -> Locator:
    """A link or a button (GOV.UK link-buttons are either) in the main region, by its name."""
    region = main(page)
    return region.get_by_role("button", name=name).or_(region.get_by_role("link", name=name))


def register(page: Page, who: Applicant, audit: Audit) -> None:
    """Home -> login -> register -> "Check your email"."""
    page.goto("/")
    audit.check(page, "home")
    follow(page, page.get_by_role("link", name="Log in / Create account").first)
    audit.check(page, "login")
    follow(page, main(page).get_by_role("link", name="Create an account"))
    audit.check(page, "register")
    type_into(page, page.get_by_label("Full name"), who.full_name)
    type_into(page, page.get_by_label("Email address"), who.email)
    type_into(page, page.get_by_label("Create a password"), who.password)
    follow(page, page.get_by_role("button", name="Create account"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your email")
    audit.check(page, "check your email")


def verify_from_email(page: Page, stack: BrowserStack, who: Applicant, audit: Audit) -> None:
    """Open the emailed link and confirm the address with the keyboard."""
    received = email_to(stack.smtp, who.email, "Confirm your email address")
    page.goto(link_in(received, stack.base_url, "/verify-email"))
    audit.check(page, "confirm your email address")
    follow(page, page.get_by_role("button", name="Confirm email address"))


def log_in(page: Page, who: Applicant, audit: Audit) -> None:
    """Log in with the keyboard, from wherever the confirmation left us."""
    if "/login" not in page.url:
        start_over(page)
        follow(page, page.get_by_role("link", name="Log in / Create account").first)
    type_into(page, page.get_by_label("Email address"), who.email)
    type_into(page, page.get_by_label("Password", exact=True), who.password)
    follow(page, page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def browse_by_theme(page: Page, theme: str, title: str, audit: Audit) -> None:
    """Home -> a theme's vacancies -> the vacancy."""
    start_over(page)
    follow(page, page.locator("a.me-header__brand"))
    follow(page, main(page).get_by_role("link", name=theme, exact=True))
    audit.check(page, "vacancies by theme")
    follow(page, main(page).get_by_role("link", name=title))
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    audit.check(page, "vacancy")


def start_application(page: Page, audit: Audit) -> None:
    """Vacancy page -> the application form, by its "Apply for this role" button."""
    start_over(page)
    follow(page, control(page, "Apply for this role").first)
    audit.check(page, "apply")


def fill_application(page: Page, evidence: dict[str, str], statement: str, cv: bytes) -> None:
    """Write the statement and each criterion's evidence (by label), and choose the CV."""
    start_over(page)
    type_into(page, page.get_by_label("Supporting statement"), statement)
    for label, text in evidence.items():
        type_into(page, page.get_by_label(label, exact=True), text)
    upload = {"name": "ada-cv.pdf", "mimeType": "application/pdf", "buffer": cv}
    # GOV.UK's enhanced upload puts a "Choose file" button before the (then hidden) input.
    enhanced = page.locator(".govuk-drop-zone").get_by_role("button")
    target = enhanced.first if enhanced.count() else page.locator("input[type=file]")
    choose_file(page, target, [upload])


def save_draft(page: Page, audit: Audit) -> None:
    """ "Save as draft" -> the form again, with the saved-draft message."""
    follow(page, page.get_by_role("button", name="Save as draft"))
    expect(page.get_by_text("Your draft has been saved")).to_be_visible()
    audit.check(page, "apply (draft saved)")


def return_to_draft(page: Page, title: str, audit: Audit) -> None:
    """Header "My applications" -> the application -> back into the form."""
    start_over(page)
    follow(page, page.get_by_role("link", name="My applications"))
    audit.check(page, "my applications")
    follow(page, main(page).get_by_role("link", name=title).first)
    audit.check(page, "application (draft)")
    if "/apply" not in page.url:
        follow(page, control(page, "Continue your application").first)
    expect(page.get_by_text("ada-cv.pdf")).to_be_visible()


def check_answers_and_submit(page: Page, audit: Audit) -> None:
    """The form's "Continue" -> "Check your answers" (a change link each) -> "Accept and send"."""
    start_over(page)
    follow(page, page.get_by_role("button", name="Continue", exact=True))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your answers")
    expect(main(page).get_by_role("link", name="Change supporting statement")).to_be_visible()
    audit.check(page, "check your answers")
    follow(page, page.get_by_role("button", name="Accept and send"))


def see_confirmation(page: Page, audit: Audit) -> str:
    """The GOV.UK confirmation panel; returns the application's reference from it."""
    panel = page.locator(".govuk-panel--confirmation")
    expect(panel).to_contain_text("Application submitted")
    expect(main(page)).to_contain_text("We have emailed you a confirmation")
    audit.check(page, "application submitted")
    return page.locator(".govuk-panel__body strong").inner_text().strip()


def withdraw(page: Page, audit: Audit) -> None:
    """Confirmation -> the application -> "Withdraw application" -> confirm -> withdrawn."""
    start_over(page)
    follow(page, main(page).get_by_role("link", name="View your application"))
    audit.check(page, "application (submitted)")
    follow(page, control(page, "Withdraw application").first)
    audit.check(page, "withdraw (confirm)")
    follow(page, main(page).get_by_role("button", name="Withdraw application").first)
    expect(page.get_by_text("You have withdrawn your application")).to_be_visible()
    audit.check(page, "application (withdrawn)")
