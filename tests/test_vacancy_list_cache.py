"""The public vacancy list: cached for visitors without a session, never for anyone signed in."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.test import TestResponse

from recruit.extensions import db
from recruit.models import Vacancy, VacancyTheme, WebSession
from recruit.web.page_cache import page_cache
from testkit.factories import Factory
from testkit.forms import submit
from testkit.statements import listening
from tests.conftest import AppFactory
from tests.support.accounts import log_in
from tests.support.vacancies import vacancy_form
from tests.support.worker import redis_settings

NONCE_RE = re.compile(r'<script nonce="([^"]+)"')


@pytest.fixture
def app(app_factory: AppFactory) -> Iterator[Flask]:
    """The app on the test Redis, with a version key and task queue of this test's own."""
    prefix = f"test:{uuid.uuid4().hex}:page:"
    with redis_settings() as settings:
        yield app_factory(**settings, PAGE_CACHE_PREFIX=prefix)


def titles(html: str) -> list[str]:
    """Vacancy titles in the order the list shows them."""
    return re.findall(r'<a class="govuk-link" href="/vacancies/[^"]+">([^<]+)</a>', html)


def csp_nonce(response: TestResponse) -> str:
    """The script nonce the Content-Security-Policy header allows."""
    found = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert found is not None
    return found[1]


def anonymous(app: Flask, path: str = "/vacancies") -> TestResponse:
    """`path` as a new visitor asks for it: no cookie at all."""
    return app.test_client().get(path)


def test_a_visitor_without_a_session_gets_a_cached_page_with_an_etag(
    app: Flask, make: Factory
) -> None:
    make.vacancy(title="Head of Skills")
    first = anonymous(app)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-cache"
    assert first.headers.get("ETag")
    assert "Cookie" in first.headers.get("Vary", "")
    assert "Set-Cookie" not in first.headers
    statements: list[str] = []
    with listening(app, statements.append):
        second = anonymous(app)
    assert statements == [], "served from the cache"
    assert second.get_data() == first.get_data()
    # The page keeps the nonce it was rendered with; the header always allows that one.
    nonce = NONCE_RE.findall(second.get_data(as_text=True))
    assert nonce and set(nonce) == {csp_nonce(second)}

    again = app.test_client().get("/vacancies", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert csp_nonce(again) == nonce[0], "a revalidated copy keeps a CSP that allows its script"
    assert "Set-Cookie" not in again.headers
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebSession)) == 0


def test_each_filter_and_page_has_its_own_entry(app: Flask, make: Factory) -> None:
    app.config["PAGE_SIZE"] = 1
    make.vacancy(title="Head of Skills", themes=("skills",), closes_in=timedelta(days=3))
    make.vacancy(title="Head of MedTech", themes=("innovation",), closes_in=timedelta(days=5))
    assert titles(anonymous(app).get_data(as_text=True)) == ["Head of Skills"]
    assert titles(anonymous(app, "/vacancies?page=2").get_data(as_text=True)) == ["Head of MedTech"]
    assert titles(anonymous(app, "/vacancies?theme=innovation").get_data(as_text=True)) == [
        "Head of MedTech"
    ]
    assert titles(anonymous(app).get_data(as_text=True)) == ["Head of Skills"]
    typed = anonymous(app, "/vacancies?q=MedTech").get_data(as_text=True)
    assert 'value="MedTech"' in typed and titles(typed) == ["Head of MedTech"]
    lower = anonymous(app, "/vacancies?q=medtech").get_data(as_text=True)
    assert 'value="medtech"' in lower
    # A refused filter is answered, but never kept.
    refused = anonymous(app, "/vacancies?theme=nonsense")
    assert refused.status_code == 400 and refused.headers["Cache-Control"] == "no-store"


def test_signed_in_pages_are_never_cached_nor_shared(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    make.vacancy(title="Head of Skills")
    amara = make.candidate(full_name="Amara Okafor")
    bilal = make.candidate(full_name="Bilal Hussain")
    before = anonymous(app)  # an anonymous page in the cache first
    etag = before.headers["ETag"]

    log_in(client, amara)
    mine = client.get("/vacancies", headers={"If-None-Match": etag})
    assert mine.status_code == 200, "never a 304 against the anonymous copy"
    assert "Amara Okafor" in mine.get_data(as_text=True)
    assert mine.headers["Cache-Control"] == "no-store"
    assert "ETag" not in mine.headers

    after = anonymous(app).get_data(as_text=True)
    assert "Amara Okafor" not in after and "Log in / Create account" in after
    other = app.test_client()
    log_in(other, bilal)
    theirs = other.get("/vacancies").get_data(as_text=True)
    assert "Bilal Hussain" in theirs and "Amara Okafor" not in theirs
    for entry in page_cache(app).entries():
        body = entry.body.decode()
        assert "Amara Okafor" not in body and "Bilal Hussain" not in body
        assert "csrf_token" not in body


def test_a_visitor_with_a_session_gets_a_fresh_page(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    make.vacancy(title="Head of Skills")
    anonymous(app)
    client.get("/login")  # the login form's token gives this visitor a session
    page = client.get("/vacancies")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store" and "ETag" not in page.headers


def test_every_change_to_a_vacancy_shows_at_once(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    recruiter = make.recruiter()
    existing = make.vacancy(title="Head of Skills", recruiter_ids=(recruiter.id,))
    log_in(client, recruiter)
    assert titles(anonymous(app).get_data(as_text=True)) == ["Head of Skills"]

    # Create, then publish, through the recruiter's own pages.
    created = submit(client, "/admin/vacancies/new", vacancy_form(title="Head of Energy"))
    assert created.status_code == 302
    assert titles(anonymous(app).get_data(as_text=True)) == ["Head of Skills"], "a draft"
    with app.app_context():
        new_id = db.session.scalar(select(Vacancy.id).where(Vacancy.title == "Head of Energy"))
    action = f"/admin/vacancies/{new_id}/publish"
    assert submit(client, f"/admin/vacancies/{new_id}", action=action).status_code == 302
    assert "Head of Energy" in titles(anonymous(app).get_data(as_text=True))

    edited = vacancy_form(title="Head of Clean Energy")
    assert submit(client, f"/admin/vacancies/{new_id}/edit", edited).status_code == 302
    assert "Head of Clean Energy" in titles(anonymous(app).get_data(as_text=True))

    action = f"/admin/vacancies/{new_id}/close"
    assert submit(client, f"/admin/vacancies/{new_id}", action=action).status_code == 302
    assert titles(anonymous(app).get_data(as_text=True)) == ["Head of Skills"]

    # A tag alone, and a bulk UPDATE statement, count as changes too.
    assert titles(anonymous(app, "/vacancies?theme=innovation").get_data(as_text=True)) == []
    with app.app_context():
        db.session.add(VacancyTheme(vacancy_id=existing.id, theme="innovation"))
        db.session.commit()
    assert titles(anonymous(app, "/vacancies?theme=innovation").get_data(as_text=True)) == [
        "Head of Skills"
    ]
    with app.app_context():
        db.session.execute(
            update(Vacancy).where(Vacancy.id == existing.id).values(title="Head of Talent")
        )
        db.session.commit()
    assert titles(anonymous(app).get_data(as_text=True)) == ["Head of Talent"]


def test_a_vacancy_leaves_the_list_when_its_closing_time_passes(app: Flask, make: Factory) -> None:
    make.vacancy(title="Closes Later", closes_in=timedelta(days=3))
    started = time.monotonic()
    make.vacancy(title="Closes Soon", closes_in=timedelta(seconds=3))
    assert titles(anonymous(app).get_data(as_text=True)) == ["Closes Soon", "Closes Later"]
    time.sleep(max(0.0, started + 3.2 - time.monotonic()))  # no write at all: only the clock
    assert titles(anonymous(app).get_data(as_text=True)) == ["Closes Later"]


def test_without_redis_every_page_is_rendered_and_never_stored(
    app_factory: AppFactory, make: Factory
) -> None:
    for settings in ({}, {"REDIS_URL": "redis://127.0.0.1:1/0"}):  # none, then one that is down
        plain = app_factory(**settings)
        Factory(plain).vacancy(title=f"Head of Skills {len(settings)}")
        for _ in range(2):
            page = anonymous(plain)
            assert page.status_code == 200
            assert page.headers["Cache-Control"] == "no-store" and "ETag" not in page.headers
        assert page_cache(plain).entries() == []
