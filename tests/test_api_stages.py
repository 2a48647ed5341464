"""Moving applications through the API (issue #14): the pipeline's rules, the team's scope,
the anonymised sift and the staff pages' audit, with `If-Match`: two recruiters moving one
application at once get one success and one 412."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    StatusChange,
    TokenScope,
)
from testkit.factories import Factory
from tests.conftest import AppFactory
from tests.support.api import admin_access_details, bearer, issue_token, race

PROBLEM = "application/problem+json"


def test_the_team_moves_an_application_and_the_sift_stays_anonymous_until_shortlisted(
    app: Flask, make: Factory
) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,), anonymised_sift=True)
    candidate = make.candidate(full_name="Nia Nameless")
    application = make.application(candidate.id, vacancy.id, ApplicationStatus.SUBMITTED)
    _, secret = issue_token(app, recruiter, TokenScope.WRITE)
    client = app.test_client()
    path = f"/api/v1/applications/{application.id}"
    got = client.get(path, headers=bearer(secret))
    assert got.get_json()["candidate"]["full_name"] is None
    missing = client.post(f"{path}/stage", json={"status": "under_review"}, headers=bearer(secret))
    assert missing.status_code == 428 and missing.mimetype == PROBLEM
    reviewed = client.post(
        f"{path}/stage",
        json={"status": "under_review", "note": "Into the sift"},
        headers=bearer(secret, got.headers["ETag"]),
    )
    assert reviewed.status_code == 200, reviewed.get_data(as_text=True)
    assert reviewed.get_json()["status"] == "under_review"
    assert reviewed.get_json()["candidate"]["full_name"] is None
    assert reviewed.headers["ETag"] != got.headers["ETag"]
    stale = client.post(
        f"{path}/stage", json={"status": "shortlisted"}, headers=bearer(secret, got.headers["ETag"])
    )
    assert stale.status_code == 412
    jump = client.post(
        f"{path}/stage",
        json={"status": "appointed"},
        headers=bearer(secret, reviewed.headers["ETag"]),
    )
    assert jump.status_code == 409 and "cannot be moved" in jump.get_json()["detail"]
    shortlisted = client.post(
        f"{path}/stage",
        json={"status": "shortlisted"},
        headers=bearer(secret, reviewed.headers["ETag"]),
    )
    assert shortlisted.status_code == 200
    assert shortlisted.get_json()["candidate"]["full_name"] == "Nia Nameless"
    with app.app_context():
        history = db.session.scalars(
            select(StatusChange)
            .where(StatusChange.application_id == application.id)
            .order_by(StatusChange.id)
        ).all()
        assert [(h.to_status, h.changed_by_id) for h in history][-2:] == [
            (ApplicationStatus.UNDER_REVIEW, recruiter.id),
            (ApplicationStatus.SHORTLISTED, recruiter.id),
        ]


def test_outside_the_team_is_403_naming_who_to_ask_read_tokens_403_admins_audited(
    app: Flask, make: Factory
) -> None:
    mine, other, admin = make.recruiter(), make.recruiter(), make.admin()
    vacancy = make.vacancy(recruiter_ids=(mine.id,))
    application = make.application(make.candidate().id, vacancy.id, ApplicationStatus.SUBMITTED)
    path = f"/api/v1/applications/{application.id}"
    client = app.test_client()
    _, reader = issue_token(app, mine, TokenScope.READ)
    etag = client.get(path, headers=bearer(reader)).headers["ETag"]
    body = {"status": "under_review"}
    assert client.post(f"{path}/stage", json=body, headers=bearer(reader, etag)).status_code == 403
    _, outsider = issue_token(app, other, TokenScope.WRITE)
    outside = client.post(f"{path}/stage", json=body, headers=bearer(outsider, etag))
    assert outside.status_code == 403 and outside.get_json()["ask"] == [mine.full_name]
    _, admin_secret = issue_token(app, admin, TokenScope.WRITE)
    moved = client.post(f"{path}/stage", json=body, headers=bearer(admin_secret, etag))
    assert moved.status_code == 200
    with app.app_context():
        stored = db.session.get(Application, application.id)
        assert stored is not None and stored.status is ApplicationStatus.UNDER_REVIEW
    details = admin_access_details(app, AuditEvent.application_id == application.id)
    assert "api: application stage" in details


def test_two_recruiters_moving_one_application_get_one_success_and_one_412(
    app_factory: AppFactory, backend: str
) -> None:
    app = app_factory(RATELIMIT_ENABLED=False)
    make = Factory(app)
    first, second = make.recruiter(), make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(first.id, second.id))
    application = make.application(make.candidate().id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    secrets = [issue_token(app, r, TokenScope.WRITE)[1] for r in (first, second)]
    path = f"/api/v1/applications/{application.id}"
    etag = app.test_client().get(path, headers=bearer(secrets[0])).headers["ETag"]
    answers: dict[str, int] = {}

    def move(secret: str, status: str) -> None:
        response = app.test_client().post(
            f"{path}/stage", json={"status": status}, headers=bearer(secret, etag)
        )
        answers[status] = response.status_code

    threads = [
        threading.Thread(target=move, args=(secrets[0], "shortlisted")),
        threading.Thread(target=move, args=(secrets[1], "unsuccessful")),
    ]
    hold = "SELECT id FROM applications WHERE id = :id FOR UPDATE"
    race(app, backend, threads, hold, {"id": application.id})
    assert sorted(answers.values()) == [200, 412], answers
    winner = next(status for status, code in answers.items() if code == 200)
    with app.app_context():
        stored = db.session.get(Application, application.id)
        assert stored is not None and stored.status.value == winner
        changes = db.session.scalars(
            select(StatusChange.to_status).where(StatusChange.application_id == application.id)
        ).all()
        assert [c.value for c in changes].count(winner) == 1
        assert len([c for c in changes if c.value in answers]) == 1
