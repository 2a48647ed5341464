"""The privacy notice, accessibility statement and cookies page: reachable, linked, and true.

The cookies page must name exactly the cookies browsers receive: a journey through the real
forms (log in, apply with a CV, log out, a failed login, a recruiter's pages) collects every
Set-Cookie header the app sends, and the page's table must list those names and no others. The
privacy notice's figures must come from the settings, not from the template.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from testkit.documents import pdf_bytes
from testkit.factories import Factory
from testkit.forms import csrf_token_from
from tests.conftest import AppFactory
from tests.support.accounts import log_in
from tests.support.portal import answers, skills_vacancy

PAGES = {"/privacy": "Privacy notice", "/accessibility": "Accessibility", "/cookies": "Cookies"}
FOOTER_LINKS = {"/privacy", "/accessibility", "/cookies"}


class _Outline(HTMLParser):
    """The page's headings in order, its footer's links, and the cookie names in its table."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.footer_links: set[str] = set()
        self.cookie_names: list[str] = []
        self._in_footer = False
        self._heading: int | None = None
        self._cookie_name = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "footer":
            self._in_footer = True
        elif tag == "a" and self._in_footer:
            self.footer_links.add(found.get("href") or "")
        elif re.fullmatch(r"h[1-6]", tag) and not self._in_footer:
            self._heading, self._text = int(tag[1]), []
        elif tag == "code" and "me-cookie-name" in (found.get("class") or ""):
            self._cookie_name, self._text = True, []

    def handle_endtag(self, tag: str) -> None:
        text = " ".join("".join(self._text).split())
        if tag == "footer":
            self._in_footer = False
        elif self._heading is not None and tag == f"h{self._heading}":
            self.headings.append((self._heading, text))
            self._heading = None
        elif tag == "code" and self._cookie_name:
            self.cookie_names.append(text)
            self._cookie_name = False

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def outline(html: str) -> _Outline:
    parsed = _Outline()
    parsed.feed(html)
    return parsed


def page(client: FlaskClient, path: str, **kwargs: Any) -> str:
    response = client.get(path, **kwargs)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def visible_text(html: str) -> str:
    """The page's words with tags removed and spaces collapsed, as a reader meets them."""
    main = html[html.index('<main class="govuk-main-wrapper"') : html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


# Reachable by everyone, and well formed --------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "candidate", "recruiter", "admin"])
def test_each_page_answers_every_visitor(client: FlaskClient, make: Factory, who: str) -> None:
    if who != "anonymous":
        log_in(client, getattr(make, who)())
    for path, title in PAGES.items():
        html = page(client, path)
        assert f"<title>{title}" in html, path
        if who != "anonymous":
            # Logged in, the header still offers "Log out": the page kept the session.
            assert "Log out" in html, path


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_has_one_h1_headings_in_order_and_a_last_updated_date(
    client: FlaskClient, path: str
) -> None:
    html = page(client, path)
    levels = [level for level, _ in outline(html).headings]
    assert levels[0] == 1 and levels.count(1) == 1, levels
    # No level is skipped on the way down (h2 then h4 would be).
    assert all(after <= before + 1 for before, after in itertools.pairwise(levels))
    assert re.search(r"Last updated: \d{1,2} [A-Z][a-z]+ 20\d\d", visible_text(html))


# Linked from the footer of every kind of page ---------------------------------------------


def _page_types(make: Factory, app: Flask) -> Iterator[tuple[str, str, SimpleNamespace | None]]:
    """(kind, path, who) for one page of each kind the service has."""
    vacancy = skills_vacancy(make)
    candidate = make.candidate()
    application = make.application(candidate.id, vacancy.id)
    admin = make.admin()
    for path in ("/", "/vacancies", f"/vacancies/{vacancy.reference}", "/login", "/register"):
        yield "public", path, None
    yield "information", "/privacy", None
    yield "error", "/no-such-page", None
    yield "candidate", "/applications", candidate
    yield "candidate", f"/applications/{application.id}", candidate
    yield "staff", "/admin/", admin
    yield "staff", f"/admin/vacancies/{vacancy.id}", admin
    yield "staff", f"/admin/applications/{application.id}", admin


def test_every_kind_of_page_links_to_the_three_pages_in_its_footer(
    app: Flask, make: Factory
) -> None:
    kinds = set()
    for kind, path, who in _page_types(make, app):
        client = app.test_client()
        if who is not None:
            log_in(client, who)
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        links = outline(response.get_data(as_text=True)).footer_links
        assert links >= FOOTER_LINKS, (path, links)
        kinds.add(kind)
    assert kinds == {"public", "information", "error", "candidate", "staff"}


def test_the_footer_links_lead_to_the_pages(client: FlaskClient) -> None:
    links = outline(page(client, "/")).footer_links & FOOTER_LINKS
    assert links == FOOTER_LINKS
    for link in links:
        assert client.get(link).status_code == 200


# The cookies page names exactly the cookies the app sets ----------------------------------


class SetCookieRecorder:
    """WSGI middleware that keeps every cookie name the app sends in a Set-Cookie header."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.names: set[str] = set()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def recording(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            for name, value in headers:
                if name.lower() == "set-cookie":
                    self.names.add(value.partition("=")[0].strip())
            return start_response(status, headers, *args)

        return self.app(environ, recording)


def record_cookies(app: Flask) -> SetCookieRecorder:
    recorder = SetCookieRecorder(app.wsgi_app)
    app.wsgi_app = recorder  # type: ignore[method-assign]
    return recorder


class Browser:
    """A client that sends forms as a browser on `base` does (Referer included, for HTTPS)."""

    def __init__(self, app: Flask, base: str) -> None:
        self.client = app.test_client()
        self.base = base

    def get(self, path: str) -> TestResponse:
        return self.client.get(path, base_url=self.base)

    def send(
        self, path: str, data: dict[str, Any], *, page: str | None = None, **kwargs: Any
    ) -> TestResponse:
        """POST `data` to `path` with the CSRF token of `page` (default: `path` itself)."""
        form = self.get(page or path)
        assert form.status_code == 200, (page or path, form.status_code)
        payload = dict(data, csrf_token=csrf_token_from(form.get_data(as_text=True)))
        return self.client.post(
            path,
            data=payload,
            base_url=self.base,
            headers={"Referer": f"{self.base}{path}"},
            **kwargs,
        )


def journey(app: Flask, base: str) -> None:
    """Browse, fail a login, log in, apply with a CV, log out; then an admin reads the board."""
    make = Factory(app)
    vacancy = skills_vacancy(make)
    candidate = make.candidate()
    browser = Browser(app, base)
    for path in ("/", "/vacancies", f"/vacancies/{vacancy.reference}", "/cookies"):
        assert browser.get(path).status_code == 200
    wrong = {"email": candidate.email, "password": "not the password at all"}
    assert browser.send("/login", wrong).status_code == 400  # the form again, with its error
    right = {"email": candidate.email, "password": candidate.password}
    assert browser.send("/login", right).status_code == 302
    apply = dict(answers(vacancy), action="continue", cv=(io.BytesIO(pdf_bytes()), "cv.pdf"))
    saved = browser.send(
        f"/vacancies/{vacancy.reference}/apply", apply, content_type="multipart/form-data"
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    sent = browser.send(f"/vacancies/{vacancy.reference}/apply/check", {})  # "Accept and send"
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert "/submitted" in sent.headers["Location"]
    assert browser.get("/applications").status_code == 200
    assert browser.send("/logout", {}, page="/applications").status_code == 302
    staff = Browser(app, base)
    admin = make.admin()
    login = {"email": admin.email, "password": admin.password}
    assert staff.send("/login", login).status_code == 302
    assert staff.get(f"/admin/vacancies/{vacancy.id}/applications").status_code == 200


@pytest.mark.parametrize(
    ("env", "base", "expected"),
    [
        ("testing", "http://recruit.test", {"session", "recruit_device"}),
        ("production", "https://recruit.test", {"__Host-session", "__Secure-recruit_device"}),
    ],
)
def test_the_cookies_page_lists_exactly_the_cookies_the_app_sets(
    app_factory: AppFactory, env: str, base: str, expected: set[str]
) -> None:
    app = app_factory(ENV=env)
    recorder = record_cookies(app)
    journey(app, base)
    listed = outline(page(app.test_client(), "/cookies", base_url=base)).cookie_names
    assert recorder.names == expected  # the journey reached every cookie
    assert sorted(listed) == sorted(recorder.names)


def test_the_cookies_page_gives_each_cookies_expiry_from_the_settings(
    app_factory: AppFactory,
) -> None:
    app = app_factory(
        SESSION_IDLE_MINUTES=20, SESSION_ABSOLUTE_HOURS=8, LOGIN_DEVICE_COOKIE_DAYS=90
    )
    text = visible_text(page(app.test_client(), "/cookies"))
    assert "after 20 minutes without activity, after 8 hours in any case" in text
    assert "recruit_device Purpose Remembers" in text and "Expires 90 days" in text
    assert "there is no cookie banner" in text


def test_no_page_asks_for_cookie_consent(client: FlaskClient) -> None:
    # Only strictly necessary cookies, so there must be no banner asking to accept others.
    for path in ("/", "/cookies", "/login"):
        html = page(client, path).lower()
        assert "accept analytics cookies" not in html and "cookie-banner" not in html


# The privacy notice states the figures the service works to --------------------------------


def test_the_privacy_notice_states_the_configured_defaults(client: FlaskClient) -> None:
    text = visible_text(page(client, "/privacy"))
    assert "we delete your application 6 months after the vacancy closes" in text
    assert "the link works for 7 days" in text
    assert "within 30 days of receiving your request" in text
    assert "can be downloaded for 7 days" in text
    assert "We keep our copy of each email we send you for 90 days after we sent it" in text


def test_the_privacy_notice_follows_the_settings_not_the_template(
    app_factory: AppFactory,
) -> None:
    app = app_factory(
        RETENTION_MONTHS=9,
        ACCESS_PACK_DAYS=3,
        ACCESS_REQUEST_DUE_DAYS=28,
        EXPORT_TTL_HOURS=36,
        SENT_EMAIL_RETENTION_DAYS=1,
    )
    text = visible_text(page(app.test_client(), "/privacy"))
    assert "we delete your application 9 months after the vacancy closes" in text
    assert "the link works for 3 days" in text
    assert "within 28 days of receiving your request" in text
    assert "can be downloaded for 36 hours" in text
    assert "We keep our copy of each email we send you for 1 day after we sent it" in text
    assert "6 months" not in text and "7 days" not in text and "90 days" not in text


def test_the_privacy_notice_names_the_controller_the_bases_and_the_regulator(
    client: FlaskClient,
) -> None:
    text = visible_text(page(client, "/privacy"))
    assert "The Midlands Engine partnership runs this service" in text
    assert "is the controller of the personal data" in text
    for basis in ("Article 6(1)(b)", "Article 6(1)(e)", "Article 6(1)(c)"):
        assert basis in text
    assert "Article 9(2)(b)" in text and "Schedule 1, Part 1, paragraph 1 (employment" in text
    assert "Article 9(2)(g)" in text and "Schedule 1, Part 2, paragraph 8" in text
    assert "Information Commissioner's Office" in text


@pytest.mark.parametrize(
    ("settings", "dpo"),
    [
        ({}, "dpo@midlandsengine.example"),
        ({"MAIL_FROM": "Jobs <jobs@partner.example>"}, "dpo@partner.example"),
        ({"DPO_EMAIL": "privacy@midlandsengine.example"}, "privacy@midlandsengine.example"),
    ],
)
def test_the_data_protection_officer_address_follows_the_mail_domain(
    app_factory: AppFactory, settings: dict[str, str], dpo: str
) -> None:
    app = app_factory(**settings)
    html = page(app.test_client(), "/privacy")
    assert f'href="mailto:{dpo}"' in html


def kept_after_erasure(html: str) -> list[str]:
    """The items of the page's list of what stays after an account is deleted, as read."""
    found = re.search(r'<ul[^>]*id="erasure-keeps"[^>]*>(.*?)</ul>', html, re.S)
    assert found is not None, "no list of what is kept after erasure"
    items = re.findall(r"<li>(.*?)</li>", found.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_the_delete_page_and_the_notice_say_the_same_about_what_erasure_keeps(
    client: FlaskClient, make: Factory
) -> None:
    notice = kept_after_erasure(page(client, "/privacy"))
    log_in(client, make.candidate())
    delete_page = kept_after_erasure(page(client, "/account/delete"))
    assert delete_page == notice
    said = " ".join(notice)
    # What recruit/privacy/erasure.py leaves behind, each named for the reader.
    assert "no name, email address or password" in said
    assert "the records of who handled your data" in said
    assert "your requests for a copy of your data and its downloads" in said
    assert "the last email, with your address and name, until it has been sent" in said


def test_the_accessibility_statement_follows_the_model_and_its_timeout_is_the_real_one(
    app_factory: AppFactory,
) -> None:
    app = app_factory(SESSION_IDLE_MINUTES=45)
    html = page(app.test_client(), "/accessibility")
    headings = [text for _, text in outline(html).headings]
    for heading in (
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Technical information about this service's accessibility",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
    ):
        assert heading in headings, heading
    text = visible_text(html)
    assert "Web Content Accessibility Guidelines version 2.2 AA standard" in text
    assert "Equality Advisory and Support Service (EASS)" in text
    assert "logged out after 45 minutes without activity" in text
    assert "This statement was prepared on" in text
