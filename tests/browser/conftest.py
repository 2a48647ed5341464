"""Fixtures for browser tests: one real stack and one Chromium per session, a context per test.

Chromium is Debian's (/usr/bin/chromium), launched through Playwright's `executable_path`;
no browser is ever downloaded. Without it these tests skip (CI installs it: .ci/run).
The front-end assets are built first (the same build tests/test_assets.py uses), so the pages
are styled as they are in production.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.browser.audit import HEIGHT, WIDTHS
from tests.browser.stack import BrowserStack, running_browser_stack
from tests.browser.world import World, build_world
from tests.support.databases import unavailable

CHROMIUM = Path(os.environ.get("RECRUIT_CHROMIUM", "/usr/bin/chromium"))


def pytest_configure(config: pytest.Config) -> None:
    """Register the `browser` marker."""
    config.addinivalue_line("markers", "browser: drives the real stack through Chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser`, so `-m "not browser"` can leave them out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    built_assets: Path,
) -> Iterator[BrowserStack]:
    """gunicorn, a Celery worker, aiosmtpd and a PostgreSQL database, for the whole session."""
    with running_browser_stack(tmp_path_factory.mktemp("browser-stack")) as running:
        yield running


@pytest.fixture(scope="session")
def world(stack: BrowserStack) -> World:
    """People, vacancies, applications and an export for the page-by-page tests."""
    return build_world(stack)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Debian Chromium for the session; without it every browser test skips
    (fails under CI, which installs the package: .ci/run)."""
    if not CHROMIUM.exists():
        unavailable(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser, stack: BrowserStack) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: no cookies, no storage, desktop width."""
    fresh = browser.new_context(
        base_url=stack.base_url,
        viewport={"width": WIDTHS["desktop"], "height": HEIGHT},
        accept_downloads=True,
        locale="en-GB",
        timezone_id="Europe/London",
    )
    fresh.set_default_timeout(15_000)
    errors: list[str] = []
    fresh.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.request.method} {response.url}")
            if response.status >= 500
            else None
        ),
    )
    yield fresh
    fresh.close()
    # A page that fell over says so here, with the server's side of the story.
    assert not errors, "server errors:\n" + "\n".join(errors) + "\n" + stack.web.log()[-3000:]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    """A tab in the test's fresh context; on failure its last page is kept as HTML and PNG.

    They go to the test's tmp_path, or under RECRUIT_BROWSER_ARTIFACTS when that is set.
    """
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not tab.is_closed():
        keep = os.environ.get("RECRUIT_BROWSER_ARTIFACTS")
        if keep:
            tmp_path = Path(keep) / request.node.name
            tmp_path.mkdir(parents=True, exist_ok=True)
        (tmp_path / "last-page.html").write_text(tab.content(), encoding="utf-8")
        tab.screenshot(path=tmp_path / "last-page.png", full_page=True)
        print(f"last page ({tab.url}) kept in {tmp_path}")
