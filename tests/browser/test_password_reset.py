"""Password reset end to end: the emailed link is read from SMTP and followed in the browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser import steps
from tests.browser.audit import Audit
from tests.browser.mail import email_to, link_in
from tests.browser.stack import BrowserStack


def test_reset_link_from_the_email_sets_a_new_password(page: Page, stack: BrowserStack) -> None:
    """Ask for a reset, follow the emailed link, choose a password, log in with it."""
    user = stack.make.candidate(email="reset.browser@example.org", full_name="Rhea Reset")
    audit = Audit("anonymous")
    page.goto("/login")
    audit.check(page, "login")
    page.get_by_role("main").get_by_role("link", name="Forgotten your password?").click()
    audit.check(page, "forgot password")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your email")
    audit.check(page, "check your email")

    received = email_to(stack.smtp, user.email, "Reset your password")
    page.goto(link_in(received, stack.base_url, "/reset-password"))
    expect(page).to_have_url(stack.url("/reset-password"))  # the token left the address bar
    audit.check(page, "choose a new password")
    new_password = "a brand new passphrase for the browser"
    page.get_by_label("New password").fill(new_password)
    page.get_by_role("button", name="Change password").click()

    steps.log_in(page, user.email, new_password)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    audit.assert_accessible()
