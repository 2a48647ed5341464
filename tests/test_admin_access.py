"""Recruiter admin: who may open which page, unknown ids and CSRF."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import log_in


def admin_routes(vacancy_id: int, application_id: int) -> list[tuple[str, str]]:
    """Every admin route, with real ids so only the role decides the answer."""
    v, a = vacancy_id, application_id
    return [
        ("GET", "/admin/"),
        ("GET", "/admin/vacancies"),
        ("GET", "/admin/vacancies/new"),
        ("POST", "/admin/vacancies/new"),
        ("GET", f"/admin/vacancies/{v}"),
        ("GET", f"/admin/vacancies/{v}/edit"),
        ("POST", f"/admin/vacancies/{v}/edit"),
        ("POST", f"/admin/vacancies/{v}/publish"),
        ("POST", f"/admin/vacancies/{v}/close"),
        ("GET", f"/admin/vacancies/{v}/applications"),
        ("GET", f"/admin/applications/{a}"),
        ("POST", f"/admin/applications/{a}/move"),
        ("GET", f"/admin/applications/{a}/cv"),
        ("GET", "/admin/applications"),
        ("POST", "/admin/applications/bulk"),
        ("POST", "/admin/applications/bulk/unsuccessful"),
        ("GET", f"/admin/applications/{a}/score"),
        ("POST", f"/admin/applications/{a}/score"),
        ("GET", f"/admin/applications/{a}/moderate"),
        ("POST", f"/admin/applications/{a}/moderate"),
        ("POST", f"/admin/applications/{a}/notes"),
        ("POST", f"/admin/applications/{a}/reveal"),
        ("GET", f"/admin/vacancies/{v}/panel"),
        ("POST", f"/admin/vacancies/{v}/panel"),
        ("POST", f"/admin/vacancies/{v}/panel/remove"),
        ("GET", "/admin/users"),
        ("GET", "/admin/users/invite"),
        ("POST", "/admin/users/invite"),
    ]


def ids(make: Factory) -> tuple[int, int]:
    vacancy = make.vacancy()
    application = make.application(make.candidate().id, vacancy.id)
    return vacancy.id, application.id


def test_candidates_get_403_on_every_admin_route(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    routes = admin_routes(*ids(make))
    log_in(client, make.candidate())
    # A candidate's POSTs carry a valid token, so the role check (not CSRF) must refuse them.
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    for method, url in routes:
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 403, f"{method} {url} answered {response.status_code}"


def test_anonymous_visitors_are_sent_to_log_in(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # so the login redirect, not CSRF, answers POSTs
    for method, url in admin_routes(*ids(make)):
        response = client.open(url, method=method)
        assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
        assert "/login" in response.headers["Location"]


def test_recruiters_get_403_on_admin_only_routes(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    log_in(client, make.recruiter())
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/invite").status_code == 403
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/vacancies/999999",
        "/admin/vacancies/999999/edit",
        "/admin/vacancies/999999/applications",
        "/admin/applications/999999",
        "/admin/applications/999999/cv",
    ],
)
def test_unknown_ids_are_not_found(
    app: Flask, client: FlaskClient, make: Factory, url: str
) -> None:
    log_in(client, make.recruiter())
    assert client.get(url).status_code == 404


def test_unknown_ids_are_not_found_on_post(app: Flask, client: FlaskClient, make: Factory) -> None:
    log_in(client, make.recruiter())
    for url in (
        "/admin/vacancies/999999/publish",
        "/admin/vacancies/999999/close",
        "/admin/applications/999999/move",
    ):
        assert submit(client, "/admin/", action=url).status_code == 404


def test_posts_without_a_csrf_token_are_refused(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy_id, application_id = ids(make)
    log_in(client, make.admin())
    for url in (
        "/admin/vacancies/new",
        f"/admin/vacancies/{vacancy_id}/close",
        f"/admin/vacancies/{vacancy_id}/publish",
        f"/admin/applications/{application_id}/move",
        "/admin/users/invite",
    ):
        response = client.post(url, data={"to_status": "under_review", "title": "x"})
        assert response.status_code == 400, url
    assert client.get(f"/admin/applications/{application_id}").status_code == 200
    assert "Submitted" in client.get(f"/admin/applications/{application_id}").get_data(as_text=True)
