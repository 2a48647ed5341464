"""Front-end assets: the branded GOV.UK Frontend build, served from our own origin.

The build (scripts/build_assets.sh: npm ci + dart-sass) runs once per test session. Without npm
the tests are skipped locally, but fail under CI=true, where a missing build is a real fault.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.support.assets import STATIC

URL_RE = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""")
# GOV.UK's print styles match links by their href prefix; those are selectors, not fetches.
HREF_SELECTOR_RE = re.compile(r"""\[href\^=(['"])https?://\1\]""")


@pytest.fixture(scope="session")
def css(built_assets: Path) -> str:
    """The built stylesheet."""
    return (built_assets / "recruit.css").read_text(encoding="utf-8")


class _Page(HTMLParser):
    """Collects the start tags of a page as (tag, attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(key) == value for key, value in wanted.items())
        ]


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture
def page_html(client: FlaskClient, built_assets: Path) -> str:
    """The login page as a browser would get it."""
    response = client.get("/login")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# The stylesheet ---------------------------------------------------------------------------


def test_css_holds_govuk_components_and_our_header(css: str) -> None:
    for selector in (
        ".govuk-error-summary",
        ".govuk-skip-link",
        ".govuk-notification-banner",
        ".govuk-character-count",
        ".govuk-password-input",
        ".me-header",
        ".me-footer",
    ):
        assert selector in css, selector


def test_css_carries_our_brand_not_govuk(css: str) -> None:
    assert "GDS Transport" not in css
    assert "@font-face" not in css
    assert "govuk-crest" not in css
    assert ".govuk-header__logotype" not in css
    assert '"Helvetica Neue"' in css
    assert "#4b1e5f" in css.lower()


def test_css_loads_nothing_from_another_origin(css: str) -> None:
    without_selectors = HREF_SELECTOR_RE.sub("", css)
    assert "https://" not in without_selectors
    assert "http://" not in without_selectors
    for _, url in URL_RE.findall(css):
        assert not url.startswith("//"), url
    assert "@import" not in css


def test_every_css_url_is_a_file_in_the_static_folder(css: str, built_assets: Path) -> None:
    urls = {url for _, url in URL_RE.findall(css) if not url.startswith(("data:", "#"))}
    assert urls, "expected the header mark at least"
    for url in urls:
        target = (built_assets / url.split("?")[0].split("#")[0]).resolve()
        assert target.is_relative_to(STATIC.resolve()), url
        assert target.is_file(), f"{url} -> {target} is missing"


def test_js_starts_govuk_frontend_from_our_origin(built_assets: Path) -> None:
    entry = (built_assets / "recruit.js").read_text(encoding="utf-8")
    assert "from './govuk-frontend.min.js'" in entry
    assert "initAll()" in entry
    library = (built_assets / "govuk-frontend.min.js").read_text(encoding="utf-8")
    assert re.search(r"export\s*\{[^}]*\binitAll\b", library)


# Pages --------------------------------------------------------------------------------------


def test_page_links_built_assets_that_are_served(client: FlaskClient, page_html: str) -> None:
    page = _parse(page_html)
    stylesheets = [attrs["href"] for attrs in page.find("link", rel="stylesheet")]
    modules = [attrs["src"] for attrs in page.find("script", type="module")]
    assert "/static/build/recruit.css" in stylesheets
    assert "/static/build/recruit.js" in modules
    favicon = [attrs["href"] for attrs in page.find("link", rel="icon")]
    for url, content_type in (
        ("/static/build/recruit.css", "text/css"),
        ("/static/build/recruit.js", "javascript"),
        ("/static/build/govuk-frontend.min.js", "javascript"),
        ("/static/images/me-mark.svg", "image/svg+xml"),
        *((url, "image/svg+xml") for url in favicon),
    ):
        response = client.get(url)
        try:
            assert response.status_code == 200, url
            assert content_type in response.content_type, (url, response.content_type)
        finally:
            response.close()


def test_page_follows_the_govuk_template(page_html: str) -> None:
    page = _parse(page_html)
    assert page.find("html", lang="en-GB")
    names = [name for name, _ in page.tags]
    skip_links = page.find("a", href="#main-content")
    assert skip_links and "govuk-skip-link" in (skip_links[0].get("class") or "")
    # The skip link is the first link on the page, before the header.
    assert names.index("a") == page.tags.index(("a", skip_links[0])) < names.index("header")
    assert page.find("main", id="main-content")
    assert page.find("header") and page.find("footer") and page.find("nav")


def test_page_obeys_the_csp(client: FlaskClient) -> None:
    """No inline styles or handlers; every script carries this response's nonce."""
    response = client.get("/login")
    html = response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    found = re.search(r"'nonce-([^']+)'", policy)
    assert found and "style-src 'self';" in policy
    nonce = found.group(1)
    page = _parse(html)
    for tag, attrs in page.tags:
        assert "style" not in attrs, tag
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        if tag == "script":
            assert attrs.get("nonce") == nonce
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)


def test_error_pages_use_the_same_layout(client: FlaskClient, built_assets: Path) -> None:
    response = client.get("/this-page-does-not-exist")
    assert response.status_code == 404
    page = _parse(response.get_data(as_text=True))
    assert page.find("a", href="#main-content")
    assert page.find("link", rel="stylesheet", href="/static/build/recruit.css")
    assert "Page not found" in response.get_data(as_text=True)
