"""Keyboard-only driving: move focus with Tab, act with Enter or Space, type into the focus.

No mouse clicks. Each helper fails with the element it could not reach, so a journey that
breaks says which control a keyboard user cannot get to.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page

TAB_LIMIT = 200
IS_FOCUSED = "el => el === document.activeElement"


def tab_to(page: Page, target: Locator, limit: int = TAB_LIMIT) -> None:
    """Press Tab until `target` has the focus (it may have it already)."""
    handle = target.first.element_handle()  # found once: each check is then one round trip
    for _ in range(limit):
        if handle.evaluate(IS_FOCUSED):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} cannot be reached with Tab ({limit} presses)")


def follow(page: Page, target: Locator, key: str = "Enter") -> None:
    """Tab to a link or button and press `key`, waiting for the page it leads to."""
    tab_to(page, target)
    with page.expect_navigation():
        page.keyboard.press(key)


def press(page: Page, target: Locator, key: str = "Space") -> None:
    """Tab to a control and press `key`, without expecting a new page (a checkbox, say)."""
    tab_to(page, target)
    page.keyboard.press(key)


def type_into(page: Page, target: Locator, text: str) -> None:
    """Tab to a field, clear it with the keyboard and enter `text`."""
    tab_to(page, target)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def choose_file(page: Page, target: Locator, files: list[dict[str, object]]) -> None:
    """Tab to a file input, open its chooser with Space and pick `files`."""
    # Playwright turns the browser's chooser interception on without awaiting it; a key pressed
    # straight after can reach the page first, and then the chooser is never reported. Waiting
    # from before the Tab presses puts their round trips between the two.
    with page.expect_file_chooser() as chooser:
        tab_to(page, target)
        page.keyboard.press("Space")
    chooser.value.set_files(files)  # type: ignore[arg-type]


def start_over(page: Page) -> None:
    """Put the focus back at the top of the document, where a fresh page load leaves it."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate("() => window.scrollTo(0, 0)")
