"""Managing vacancies through the API (issue #14): create a draft, update, publish and close
with a write token, by the same rules and audit as the staff pages, and `If-Match` on every
change (428 without, 412 when stale)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.api import etags
from recruit.extensions import db
from recruit.models import AuditEvent, TokenScope, Vacancy, VacancyRecruiter, VacancyStatus
from testkit.factories import Factory
from tests.conftest import AppFactory
from tests.support.api import bearer, issue_token, new_vacancy, race

PROBLEM = "application/problem+json"


def create(client: FlaskClient, secret: str, **changes: Any) -> tuple[int, str]:
    """Make a draft; its id and ETag."""
    response = client.post(
        "/api/v1/staff/vacancies", json=new_vacancy(**changes), headers=bearer(secret)
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"], response.headers["ETag"]


def test_a_write_token_makes_a_draft_its_owner_recruits_for(app: Flask, make: Factory) -> None:
    recruiter = make.recruiter()
    _, secret = issue_token(app, recruiter, TokenScope.WRITE)
    client = app.test_client()
    response = client.post("/api/v1/staff/vacancies", json=new_vacancy(), headers=bearer(secret))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "draft" and body["reference"].startswith("ME-")
    assert response.headers["Location"] == body["links"]["self"]
    assert body["links"]["public"] is None
    assert [c["text"] for c in body["criteria"]] == [
        "Leadership of a skills programme",
        "Partnership working",
        "A further education background",
    ]
    got = client.get(f"/api/v1/staff/vacancies/{body['id']}", headers=bearer(secret))
    assert got.status_code == 200 and got.get_json() == body
    assert got.headers["ETag"] == response.headers["ETag"]
    # A draft is not public.
    assert client.get(f"/api/v1/vacancies/{body['reference']}").status_code == 404
    with app.app_context():
        team = db.session.scalars(
            select(VacancyRecruiter.user_id).where(VacancyRecruiter.vacancy_id == body["id"])
        ).all()
        assert list(team) == [recruiter.id]


def test_a_read_token_may_not_write_and_bad_bodies_are_422(app: Flask, make: Factory) -> None:
    recruiter = make.recruiter()
    _, reader = issue_token(app, recruiter, TokenScope.READ)
    _, writer = issue_token(app, recruiter, TokenScope.WRITE)
    client = app.test_client()
    refused = client.post("/api/v1/staff/vacancies", json=new_vacancy(), headers=bearer(reader))
    assert refused.status_code == 403 and refused.get_json()["required_scope"] == "write"
    bad: dict[str, Any]
    for bad in (
        {"title": "   "},
        {"themes": []},
        {"essential": []},
        {"contract_type": "zero-hours"},
        {"closes_at": "2999-01-01T00:00:00Z"},
        {"closes_at": "2030-01-01T00:00:00"},
        {"statement_word_limit": 99},
        {"surprise": 1},
    ):
        response = client.post(
            "/api/v1/staff/vacancies", json=new_vacancy(**bad), headers=bearer(writer)
        )
        assert response.status_code == 422, bad
        assert response.mimetype == PROBLEM and "json" in response.get_json()["errors"]
    with app.app_context():
        assert db.session.scalar(select(Vacancy.id)) is None


def test_update_needs_if_match_and_refuses_a_stale_one(app: Flask, make: Factory) -> None:
    _, secret = issue_token(app, make.recruiter(), TokenScope.WRITE)
    client = app.test_client()
    vacancy_id, etag = create(client, secret)
    path = f"/api/v1/staff/vacancies/{vacancy_id}"
    missing = client.patch(path, json={"title": "New"}, headers=bearer(secret))
    assert missing.status_code == 428 and missing.mimetype == PROBLEM
    star = client.patch(path, json={"title": "New"}, headers=bearer(secret, "*"))
    assert star.status_code == 428
    changed = client.patch(
        path, json={"title": "Director of Skills and Work"}, headers=bearer(secret, etag)
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.get_json()["title"] == "Director of Skills and Work"
    assert changed.get_json()["summary"] == new_vacancy()["summary"]
    assert changed.headers["ETag"] != etag
    stale = client.patch(path, json={"title": "Lost update"}, headers=bearer(secret, etag))
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    assert stale.headers["ETag"] == changed.headers["ETag"]
    got = client.get(path, headers=bearer(secret)).get_json()
    assert got["title"] == "Director of Skills and Work"


def test_publish_and_close_follow_the_pages_rules(app: Flask, make: Factory) -> None:
    _, secret = issue_token(app, make.recruiter(), TokenScope.WRITE)
    client = app.test_client()
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    vacancy_id, etag = create(client, secret, closes_at=past)
    path = f"/api/v1/staff/vacancies/{vacancy_id}"
    early = client.post(f"{path}/publish", headers=bearer(secret, etag))
    assert early.status_code == 409 and "future" in early.get_json()["detail"]
    closing = client.post(f"{path}/close", headers=bearer(secret, etag))
    assert closing.status_code == 409
    future = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    moved = client.patch(path, json={"closes_at": future}, headers=bearer(secret, etag))
    assert moved.status_code == 200
    published = client.post(f"{path}/publish", headers=bearer(secret, moved.headers["ETag"]))
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    reference = published.get_json()["reference"]
    assert client.get(f"/api/v1/vacancies/{reference}").status_code == 200
    assert published.get_json()["links"]["public"].endswith(f"/api/v1/vacancies/{reference}")
    closed = client.post(f"{path}/close", headers=bearer(secret, published.headers["ETag"]))
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert closed.get_json()["closed_at"] is not None


def test_criteria_are_fixed_once_someone_has_applied(app: Flask, make: Factory) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    make.application(make.candidate().id, vacancy.id)
    _, secret = issue_token(app, recruiter, TokenScope.WRITE)
    client = app.test_client()
    path = f"/api/v1/staff/vacancies/{vacancy.id}"
    got = client.get(path, headers=bearer(secret))
    assert got.get_json()["criteria_locked"] is True
    refused = client.patch(
        path,
        json={"essential": ["Something else"]},
        headers=bearer(secret, got.headers["ETag"]),
    )
    assert refused.status_code == 409 and refused.mimetype == PROBLEM


def test_only_the_team_and_admins_change_a_vacancy_and_admins_are_audited(
    app: Flask, make: Factory
) -> None:
    mine, other, admin = make.recruiter(), make.recruiter(), make.admin()
    vacancy = make.vacancy(recruiter_ids=(mine.id,))
    path = f"/api/v1/staff/vacancies/{vacancy.id}"
    client = app.test_client()
    _, outsider = issue_token(app, other, TokenScope.WRITE)
    read = client.get(path, headers=bearer(outsider))
    assert read.status_code == 200  # any recruiter reads a vacancy, as on the pages
    refused = client.post(f"{path}/close", headers=bearer(outsider, read.headers["ETag"]))
    assert refused.status_code == 403 and refused.get_json()["ask"] == [mine.full_name]
    _, admin_secret = issue_token(app, admin, TokenScope.WRITE)
    closed = client.post(f"{path}/close", headers=bearer(admin_secret, read.headers["ETag"]))
    assert closed.status_code == 200
    with app.app_context():
        stored = db.session.get(Vacancy, vacancy.id)
        assert stored is not None and stored.status is VacancyStatus.CLOSED
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == "admin_application_access")
        ).all()
        assert [(e.actor_id, e.vacancy_id, e.detail) for e in events] == [
            (admin.id, vacancy.id, "api: vacancy close")
        ]
    missing = client.get("/api/v1/staff/vacancies/999999", headers=bearer(admin_secret))
    assert missing.status_code == 404


def test_two_updates_from_one_etag_get_one_success_and_one_412(
    app_factory: AppFactory, backend: str
) -> None:
    """Both requests pass every check before either writes (on PostgreSQL the row is held
    locked until both wait for it); exactly one wins, the other gets a 412, nothing is lost."""
    app = app_factory(RATELIMIT_ENABLED=False)
    make = Factory(app)
    _, secret = issue_token(app, make.recruiter(), TokenScope.WRITE)
    vacancy_id, etag = create(app.test_client(), secret)
    path = f"/api/v1/staff/vacancies/{vacancy_id}"
    answers: dict[str, int] = {}

    def patch(title: str) -> None:
        response = app.test_client().patch(
            path, json={"title": title}, headers=bearer(secret, etag)
        )
        answers[title] = response.status_code

    threads = [threading.Thread(target=patch, args=(t,)) for t in ("First", "Second")]
    hold = "SELECT id FROM vacancies WHERE id = :id FOR UPDATE"
    race(app, backend, threads, hold, {"id": vacancy_id})
    assert sorted(answers.values()) == [200, 412], answers
    winner = next(title for title, status in answers.items() if status == 200)
    with app.app_context():
        stored = db.session.get(Vacancy, vacancy_id)
        assert stored is not None and stored.title == winner


def test_the_document_asks_for_if_match_and_offers_idempotency_keys(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    changes = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            names = {p["name"]: p for p in operation.get("parameters", [])}
            # Every update (PATCH, PUT and the state changes) names the ETag it was based on.
            if method in ("patch", "put") or path.endswith(("/publish", "/close", "/stage")):
                changes.add(f"{method.upper()} {path.removeprefix('/api/v1')}")
                assert names["If-Match"]["required"] is True, path
                assert names["If-Match"]["schema"]["pattern"] == etags.ETAG_LIST, path
                assert {"412", "428"} <= set(operation["responses"]), path
            if method in ("post", "patch", "put") and path != "/api/v1/me/revoke":
                assert names["Idempotency-Key"]["required"] is False, path
    assert changes == {
        "PATCH /staff/vacancies/{vacancy_id}",
        "POST /staff/vacancies/{vacancy_id}/publish",
        "POST /staff/vacancies/{vacancy_id}/close",
        "POST /applications/{application_id}/stage",
        "PUT /applications/{application_id}/scores/mine",
        "PATCH /webhooks/{endpoint_id}",
    }
    problem = spec["components"]["schemas"]["Problem"]["properties"]
    assert {"ask", "required_scope", "errors"} <= set(problem)
