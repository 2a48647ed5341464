"""Small steps of the journeys, one per page, so a redesigned page means one function to adapt.

Mouse-driven steps (recruiter side) use Playwright's role and label locators; keyboard-only
steps (the candidate journey) live in `candidate.py` and use `keyboard.py`.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def main(page: Page) -> Locator:
    """The page's main region: links and buttons in it, not the header's or the footer's."""
    return page.get_by_role("main")


def log_in(page: Page, email: str, password: str) -> None:
    """Log in from the login page; the header then offers "Log out"."""
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Page) -> None:
    """Log out with the header's button."""
    page.get_by_role("button", name="Log out").click()
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Log in / Create account")).to_be_visible()
