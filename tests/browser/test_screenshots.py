"""Screenshots of the key pages at 1280 px and 375 px for the README (`make screenshots`).

Opt-in: runs only with RECRUIT_SCREENSHOTS=1, and writes PNGs to docs/screenshots/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser import steps
from tests.browser.audit import WIDTHS, set_width
from tests.browser.world import World

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE_HEIGHT = 812  # an iPhone-sized screen: the first screen is what a candidate sees

pytestmark = pytest.mark.skipif(
    os.environ.get("RECRUIT_SCREENSHOTS") != "1", reason="opt-in: make screenshots"
)


def shots(world: World) -> dict[str, list[tuple[str, str]]]:
    """(file stem, path) of the pages to photograph, by who is logged in."""
    vid = world.vacancy.id
    return {
        "anonymous": [("home", "/"), ("vacancies", "/vacancies")],
        "candidate": [
            ("vacancy", f"/vacancies/{world.other_vacancy.reference}"),
            ("apply", f"/vacancies/{world.other_vacancy.reference}/apply"),
            ("my-applications", "/applications"),
        ],
        "recruiter": [
            ("dashboard", "/admin/"),
            ("board", f"/admin/vacancies/{vid}/board"),
            ("all-applications", "/admin/applications"),
            ("sift", f"/admin/applications/{world.application.id}"),
            ("export", f"/admin/exports/{world.export.id}"),
        ],
    }


def snap(page: Page, stem: str) -> None:
    """The first screen of the page at each width."""
    for label, width in (("desktop", WIDTHS["desktop"]), ("phone", WIDTHS["phone"])):
        set_width(page, width)
        if label == "phone":
            page.set_viewport_size({"width": width, "height": PHONE_HEIGHT})
        page.screenshot(path=OUT / f"{stem}-{label}.png")
    set_width(page, WIDTHS["desktop"])


@pytest.mark.parametrize("role", ["anonymous", "candidate", "recruiter"])
def test_screenshots(page: Page, world: World, role: str) -> None:
    """Save the screenshots for `role`'s pages."""
    OUT.mkdir(parents=True, exist_ok=True)
    person = world.login_for(role)
    if person is not None:
        steps.log_in(page, person.email, person.password)
    for stem, path in shots(world)[role]:
        response = page.goto(path)
        assert response is not None and response.status < 400, f"{path}: {response}"
        snap(page, stem)
