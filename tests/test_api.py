"""The JSON API's public side (issue #14): the OpenAPI document, the docs page, problem+json
errors, the vacancies feed with its filters and cursors, a vacancy, themes, sectors and Atom."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from recruit import create_app, taxonomy
from recruit.api.problems import MEDIA_TYPE, TYPE_BASE
from recruit.models import VacancyStatus
from testkit.factories import Factory
from tests.conftest import base_config

ATOM = "{http://www.w3.org/2005/Atom}"


def spec_of(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body = response.get_json()
    assert isinstance(body, dict)
    return body


def test_the_openapi_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    spec = spec_of(client)
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # raises on any fault


def test_the_document_describes_every_api_route_and_only_those(
    app: Flask, client: FlaskClient
) -> None:
    spec = spec_of(client)
    documented = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api_v1."):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            served |= {(m, path) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    assert documented == served
    # Token routes say so, and public ones do not.
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in spec["paths"]["/api/v1/vacancies"]["get"]
    errors = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(errors) == [MEDIA_TYPE]


def test_the_docs_page_is_local_and_lists_every_operation(client: FlaskClient) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for path in spec_of(client)["paths"]:
        assert path in html
    # Nothing from another site: it works offline and within the CSP (script-src 'self').
    for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", html):
        assert not re.search(r'(?:src|href)="(?:https?:)?//', tag), tag
    assert f"{TYPE_BASE}not-found" in html


@pytest.mark.parametrize(
    ("method", "path", "status", "slug"),
    [
        ("GET", "/api/v1/no-such-thing", 404, "not-found"),
        ("GET", "/api/v1/vacancies/NO-SUCH-REF", 404, "not-found"),
        ("POST", "/api/v1/themes", 405, "method-not-allowed"),
        ("GET", "/api/v1/vacancies?theme=not-a-theme", 422, "invalid-parameters"),
        ("GET", "/api/v1/vacancies?limit=0", 422, "invalid-parameters"),
        ("GET", "/api/v1/vacancies?cursor=forged", 400, "bad-request"),
        ("GET", "/api/v1/me", 401, "unauthenticated"),
    ],
)
def test_errors_are_problem_details_with_stable_types(
    client: FlaskClient, method: str, path: str, status: int, slug: str
) -> None:
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == MEDIA_TYPE
    body = response.get_json(force=True)
    assert body["type"] == TYPE_BASE + slug
    assert body["status"] == status and body["title"]
    assert body["instance"] == path.split("?")[0]
    if status == 405:
        assert "GET" in response.headers["Allow"]
    if status == 422:
        assert "query" in body["errors"]


def test_errors_outside_the_api_stay_html_pages(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def feed_world(make: Factory) -> dict[str, Any]:
    """Five open vacancies closing on different days, a draft and a closed one."""
    opened = [
        make.vacancy(
            title=f"Director {n}",
            closes_in=timedelta(days=10 + n),
            themes=("skills",) if n % 2 else ("connectivity",),
            sectors=("aerospace",) if n < 2 else ("medtech",),
        )
        for n in range(5)
    ]
    draft = make.vacancy(title="Secret draft", status=VacancyStatus.DRAFT)
    closed = make.vacancy(
        title="Closed role", status=VacancyStatus.CLOSED, closes_in=-timedelta(days=1)
    )
    return {"open": opened, "draft": draft, "closed": closed}


def walk(client: FlaskClient, query: str, limit: int) -> list[str]:
    """Every reference in the feed, following `links.next` page by page."""
    url: str | None = f"/api/v1/vacancies?limit={limit}{query}"
    seen: list[str] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        seen += [item["reference"] for item in body["items"]]
        assert len(body["items"]) <= limit
        url = body["links"].get("next")
        assert (url is None) == (body["next_cursor"] is None)
        pages += 1
        assert pages < 20
    return seen


def test_the_feed_pages_through_open_vacancies_by_cursor(
    client: FlaskClient, make: Factory
) -> None:
    world = feed_world(make)
    expected = [v.reference for v in world["open"]]  # soonest closing first
    assert walk(client, "", 2) == expected
    assert walk(client, "", 100) == expected
    body = client.get("/api/v1/vacancies").get_json()
    first = body["items"][0]
    assert first["links"]["html"] == f"http://recruit.test/vacancies/{first['reference']}"
    assert first["links"]["self"] == f"http://recruit.test/api/v1/vacancies/{first['reference']}"
    assert first["is_open"] is True and first["themes"] and first["sectors"]


def test_the_feed_filters_by_theme_sector_and_words(client: FlaskClient, make: Factory) -> None:
    world = feed_world(make)
    refs = [v.reference for v in world["open"]]
    assert walk(client, "&theme=skills", 1) == [refs[1], refs[3]]
    assert walk(client, "&sector=aerospace", 1) == refs[:2]
    assert walk(client, "&theme=connectivity&sector=medtech", 1) == [refs[2], refs[4]]
    assert walk(client, "&q=director%203", 5) == [refs[3]]
    assert walk(client, "&q=draft", 5) == []


def test_a_cursor_only_fits_the_filters_it_came_from(client: FlaskClient, make: Factory) -> None:
    feed_world(make)
    body = client.get("/api/v1/vacancies?limit=1&theme=connectivity").get_json()
    cursor = body["next_cursor"]
    assert client.get(f"/api/v1/vacancies?cursor={cursor}&theme=connectivity").status_code == 200
    refused = client.get(f"/api/v1/vacancies?cursor={cursor}&theme=skills")
    assert refused.status_code == 400 and refused.mimetype == MEDIA_TYPE
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert client.get(f"/api/v1/vacancies?cursor={tampered}").status_code == 400


def test_a_vacancy_is_served_with_its_criteria_but_never_a_draft(
    client: FlaskClient, make: Factory
) -> None:
    world = feed_world(make)
    ref = world["open"][0].reference
    body = client.get(f"/api/v1/vacancies/{ref}").get_json()
    assert body["reference"] == ref and body["description"]
    assert {c["kind"] for c in body["criteria"]} == {"essential", "desirable"}
    closed = client.get(f"/api/v1/vacancies/{world['closed'].reference}").get_json()
    assert closed["is_open"] is False
    assert client.get(f"/api/v1/vacancies/{world['draft'].reference}").status_code == 404


def test_themes_and_sectors_list_the_taxonomy(client: FlaskClient) -> None:
    themes = client.get("/api/v1/themes").get_json()["items"]
    sectors = client.get("/api/v1/sectors").get_json()["items"]
    assert {t["slug"]: t["name"] for t in themes} == taxonomy.THEMES
    assert {s["slug"]: s["name"] for s in sectors} == taxonomy.SECTORS


def test_the_atom_feed_lists_open_vacancies_newest_first(
    client: FlaskClient, make: Factory
) -> None:
    world = feed_world(make)
    response = client.get("/api/v1/vacancies.atom?theme=skills")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314 - our own output, in a test
    assert feed.tag == f"{ATOM}feed"
    titles = [e.findtext(f"{ATOM}title") or "" for e in feed.findall(f"{ATOM}entry")]
    assert sorted(titles) == ["Director 1", "Director 3"]
    assert "Secret draft" not in response.get_data(as_text=True)
    link = feed.find(f"{ATOM}entry/{ATOM}link[@rel='alternate']")
    assert link is not None and link.get("href", "").startswith("http://recruit.test/vacancies/")
    assert len(world["open"]) == 5


def test_public_endpoints_are_rate_limited_per_address(app_factory: Any) -> None:
    app = app_factory(API_RATELIMIT_PER_ADDRESS=3)
    client = app.test_client()
    urls = ["/api/v1/themes", "/api/v1/vacancies?theme=nope", "/api/v1/sectors", "/api/v1/themes"]
    statuses = [client.get(url).status_code for url in urls]
    assert statuses == [200, 422, 200, 429], "bad requests count too"
    refused = client.get("/api/v1/themes")
    assert refused.mimetype == MEDIA_TYPE
    assert int(refused.headers["Retry-After"]) >= 1


def test_a_database_outage_is_a_503_problem(tmp_path: Path) -> None:
    config = base_config(tmp_path / "instance")
    config["DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    client = create_app(config).test_client()
    response = client.get("/api/v1/vacancies")
    assert response.status_code == 503 and response.mimetype == MEDIA_TYPE
    assert response.get_json()["type"] == TYPE_BASE + "unavailable"
    # The site itself still answers with its HTML page.
    assert client.get("/vacancies").mimetype == "text/html"
