"""Security headers on every response, error pages included."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from testkit.factories import Factory
from testkit.forms import submit

PAGES = ["/", "/login", "/register", "/vacancies", "/no-such-page", "/healthz"]


def csp_directives(header: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = csp_directives(response.headers["Content-Security-Policy"])
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert "'unsafe-inline'" not in csp["script-src"]
    assert re.search(r"'nonce-[A-Za-z0-9_-]{16,}'", csp["script-src"])
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_error_pages_carry_the_headers_too(client: FlaskClient) -> None:
    response = client.post("/login", data={})  # no CSRF token
    assert response.status_code == 400
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_script_nonce_changes_per_response_and_matches_the_page(client: FlaskClient) -> None:
    first, second = client.get("/login"), client.get("/login")
    nonces = []
    for response in (first, second):
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
        assert nonce
        assert f'nonce="{nonce.group(1)}"' in response.get_data(as_text=True)
        nonces.append(nonce.group(1))
    assert nonces[0] != nonces[1]


def test_hsts_when_served_over_https(client: FlaskClient) -> None:
    response = client.get("/login", base_url="https://recruit.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_authenticated_pages_are_not_cached(app: Flask, client: FlaskClient, make: Factory) -> None:
    user = make.recruiter()
    submit(client, "/login", {"email": user.email, "password": user.password})
    assert client.get("/admin/").headers["Cache-Control"] == "no-store"
    assert client.get("/vacancies").headers["Cache-Control"] == "no-store"


def test_anonymous_pages_are_not_cached_but_static_assets_are(client: FlaskClient) -> None:
    # Forms carry a CSRF token tied to the session; error pages and the health check change.
    for path in PAGES:
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    asset = client.get("/static/images/favicon.svg")
    assert asset.status_code == 200
    assert "no-store" not in asset.headers.get("Cache-Control", "")
