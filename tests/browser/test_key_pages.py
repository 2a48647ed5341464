"""Every key page, for each role: no sideways scrolling at 375 px, and axe-clean at both widths.

One test per role visits each page once; it fails naming every page that is too wide (and what
is too wide on it) and every serious or critical axe violation (rule, elements, page, width).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.audit import Audit
from tests.browser.key_pages import ROLES, visit_key_pages
from tests.browser.world import World


@pytest.mark.parametrize("role", ROLES)
def test_key_pages_fit_a_phone_and_pass_axe(page: Page, world: World, role: str) -> None:
    """scrollWidth <= innerWidth at 375 px, and no serious axe violation at 1280 or 375 px."""
    audit = Audit(role)
    visit_key_pages(page, world, role, audit, axe=True)
    problems = []
    for check in (audit.assert_fits_phones, audit.assert_accessible):
        try:
            check()
        except AssertionError as failure:
            problems.append(str(failure))
    assert not problems, "\n\n".join(problems)
