"""Kept public pages answered before Flask: the same answer Flask gives, and only to strangers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from recruit.web.page_cache import MAX_ENTRIES, page_cache
from testkit.factories import Factory
from testkit.statements import listening
from tests.conftest import AppFactory
from tests.support.accounts import log_in
from tests.support.worker import redis_settings

# Headers that differ between any two answers by design.
PER_REQUEST = {"X-Request-ID", "Date"}


@pytest.fixture
def app(app_factory: AppFactory) -> Iterator[Flask]:
    """The app on the test Redis with a version key of its own, counting what Flask handles."""
    with redis_settings() as settings:
        application = app_factory(**settings, PAGE_CACHE_PREFIX=f"test:{uuid.uuid4().hex}:page:")
        application.config["SEEN_BY_FLASK"] = []
        application.before_request(
            lambda: application.config["SEEN_BY_FLASK"].append(1)  # type: ignore[func-returns-value]
        )
        yield application


def with_a_cookie(app: Flask) -> FlaskClient:
    """A visitor whose browser sends a cookie that is nobody's session: the request goes
    through Flask, which finds no session and serves the same kept page, to compare with."""
    client = app.test_client()
    client.set_cookie("analytics", "declined")
    return client


def flask_saw(app: Flask) -> int:
    """How many requests Flask itself has handled so far."""
    return len(app.config["SEEN_BY_FLASK"])


def lasting_headers(response: TestResponse) -> set[tuple[str, str]]:
    """The answer's headers, less those that differ on every request."""
    return {(name, value) for name, value in response.headers if name not in PER_REQUEST}


def test_a_kept_page_is_answered_before_flask_exactly_as_flask_answers_it(
    app: Flask, make: Factory
) -> None:
    make.vacancy(title="Head of Skills")
    first = app.test_client().get("/vacancies")  # rendered by Flask, and kept
    assert first.status_code == 200 and flask_saw(app) == 1

    door = app.test_client().get("/vacancies")
    assert flask_saw(app) == 1, "answered before Flask"
    through_flask = with_a_cookie(app).get("/vacancies")
    assert flask_saw(app) == 2
    assert door.status_code == through_flask.status_code == 200
    assert door.get_data() == through_flask.get_data() == first.get_data()
    assert lasting_headers(door) == lasting_headers(through_flask)
    assert "Head of Skills" in door.get_data(as_text=True)
    assert door.headers["Cache-Control"] == "no-cache" and door.headers["Vary"] == "Cookie"
    assert "Set-Cookie" not in door.headers

    etag = {"If-None-Match": door.headers["ETag"]}
    not_modified = app.test_client().get("/vacancies", headers=etag)
    flask_not_modified = with_a_cookie(app).get("/vacancies", headers=etag)
    assert not_modified.status_code == flask_not_modified.status_code == 304
    assert not_modified.get_data() == b""
    assert lasting_headers(not_modified) == lasting_headers(flask_not_modified)

    head = app.test_client().head("/vacancies")
    flask_head = with_a_cookie(app).head("/vacancies")
    assert head.get_data() == b"" and head.status_code == 200
    assert lasting_headers(head) == lasting_headers(flask_head)
    assert flask_saw(app) == 4, "the 304 and the HEAD without a cookie never reached Flask"


def test_over_https_the_answer_carries_hsts_as_flask_would(app: Flask, make: Factory) -> None:
    make.vacancy(title="Head of Skills")
    secure = app.test_client().get("/vacancies", base_url="https://localhost")
    door = app.test_client().get("/vacancies", base_url="https://localhost")
    assert flask_saw(app) == 1
    assert door.headers["Strict-Transport-Security"] == secure.headers["Strict-Transport-Security"]
    plain = app.test_client().get("/vacancies")
    assert "Strict-Transport-Security" not in plain.headers


def test_a_request_id_is_kept_only_in_a_safe_shape(app: Flask, make: Factory) -> None:
    make.vacancy(title="Head of Skills")
    app.test_client().get("/vacancies")
    given = app.test_client().get("/vacancies", headers={"X-Request-ID": "edge-42"})
    forged = app.test_client().get("/vacancies", headers={"X-Request-ID": "a b=c"})
    assert flask_saw(app) == 1
    assert given.headers["X-Request-ID"] == "edge-42"
    assert forged.headers["X-Request-ID"] not in ("", "a b=c")
    assert len(forged.headers["X-Request-ID"]) == 32


def test_only_strangers_asking_for_a_kept_page_are_answered_before_flask(
    app: Flask, make: Factory
) -> None:
    candidate = make.candidate(full_name="Amara Okafor")
    make.vacancy(title="Head of Skills")
    app.test_client().get("/vacancies")
    assert flask_saw(app) == 1

    signed_in = app.test_client()
    log_in(signed_in, candidate)
    seen = flask_saw(app)
    mine = signed_in.get("/vacancies")
    assert flask_saw(app) == seen + 1 and "Amara Okafor" in mine.get_data(as_text=True)
    assert mine.headers["Cache-Control"] == "no-store"

    with_token = app.test_client().get("/vacancies", headers={"Authorization": "Bearer x"})
    assert flask_saw(app) == seen + 2 and with_token.status_code == 200
    posted = app.test_client().post("/vacancies")
    assert flask_saw(app) == seen + 3 and posted.status_code == 405

    # Another query string is another page: rendered by Flask once, then kept.
    app.test_client().get("/vacancies?sort=closing")
    app.test_client().get("/vacancies?sort=closing")
    assert flask_saw(app) == seen + 4
    for entry in page_cache(app).entries():
        assert "Amara Okafor" not in entry.body.decode()


def test_a_change_ends_the_kept_page_at_the_door_too(app: Flask, make: Factory) -> None:
    make.vacancy(title="Head of Skills")
    app.test_client().get("/vacancies")
    make.vacancy(title="Head of Energy")  # a commit that writes a vacancy: a new version
    page = app.test_client().get("/vacancies")
    assert flask_saw(app) == 2, "the old copy is out of date, so Flask renders again"
    assert "Head of Energy" in page.get_data(as_text=True)


def test_without_redis_nothing_is_answered_before_flask(
    app_factory: AppFactory, make: Factory
) -> None:
    plain = app_factory()
    Factory(plain).vacancy(title="Head of Skills")
    for _ in range(2):
        page = plain.test_client().get("/vacancies")
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert page_cache(plain).entries() == []


def test_a_flood_of_new_query_strings_never_evicts_the_pages_the_view_keeps(
    app: Flask, make: Factory
) -> None:
    make.vacancy(title="Head of Skills")
    app.test_client().get("/vacancies?sort=closing")  # rendered and kept
    # A tracking id per recipient: each address is new, each the same kept page to the view.
    for n in range(MAX_ENTRIES + 10):
        assert app.test_client().get(f"/vacancies?utm_id={n}").status_code == 200
    statements: list[str] = []
    with listening(app, statements.append):
        again = with_a_cookie(app).get("/vacancies?sort=closing")
    assert again.status_code == 200 and "Head of Skills" in again.get_data(as_text=True)
    assert statements == [], "the sorted page is still kept: only addresses were evicted"
