"""`Idempotency-Key` on the API's POST requests (issue #14): a retry answers what the first
request answered and never makes a second object; the same key with another body is a 422;
keys belong to their owner and expire after a day."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select, update

from recruit.extensions import db
from recruit.models import (
    ApplicationStatus,
    IdempotencyKey,
    StatusChange,
    TokenScope,
    Vacancy,
    VacancyStatus,
    utcnow,
)
from recruit.services import api_idempotency
from testkit.factories import Factory
from tests.conftest import AppFactory
from tests.support.api import bearer, issue_token, new_vacancy, race

CREATE = "/api/v1/staff/vacancies"


def keyed(secret: str, key: str, etag: str | None = None) -> dict[str, str]:
    return {**bearer(secret, etag), "Idempotency-Key": key}


def vacancies(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(Vacancy.id))) or 0)


def test_a_retry_answers_the_same_and_makes_nothing_new(app: Flask, make: Factory) -> None:
    _, secret = issue_token(app, make.recruiter(), TokenScope.WRITE)
    client = app.test_client()
    key = str(uuid.uuid4())
    body = new_vacancy()
    first = client.post(CREATE, json=body, headers=keyed(secret, key))
    assert first.status_code == 201, first.get_data(as_text=True)
    # The same body with its keys in another order is the same request.
    again = client.post(CREATE, json=dict(reversed(body.items())), headers=keyed(secret, key))
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert vacancies(app) == 1
    other = client.post(CREATE, json=new_vacancy(title="Another"), headers=keyed(secret, key))
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    assert "Idempotency-Key" in other.get_json()["errors"]["headers"]
    assert vacancies(app) == 1
    # Without a key, or with a new one, a POST acts again.
    assert client.post(CREATE, json=body, headers=bearer(secret)).status_code == 201
    assert client.post(CREATE, json=body, headers=keyed(secret, "another-key")).status_code == 201
    assert vacancies(app) == 3


def test_keys_belong_to_their_owner_and_expire(app: Flask, make: Factory) -> None:
    _, mine = issue_token(app, make.recruiter(), TokenScope.WRITE)
    _, theirs = issue_token(app, make.recruiter(), TokenScope.WRITE)
    client = app.test_client()
    first = client.post(CREATE, json=new_vacancy(), headers=keyed(mine, "shared-key"))
    second = client.post(CREATE, json=new_vacancy(), headers=keyed(theirs, "shared-key"))
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] != second.get_json()["id"]
    with app.app_context():
        db.session.execute(
            update(IdempotencyKey).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    later = client.post(CREATE, json=new_vacancy(), headers=keyed(mine, "shared-key"))
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert later.get_json()["id"] not in (first.get_json()["id"], second.get_json()["id"])
    with app.app_context():
        assert api_idempotency.purge_expired() == 1  # theirs; mine gave way when reused
        db.session.commit()
        assert db.session.scalar(select(func.count(IdempotencyKey.id))) == 1


def test_a_refused_request_keeps_no_key_and_bad_keys_are_422(app: Flask, make: Factory) -> None:
    _, secret = issue_token(app, make.recruiter(), TokenScope.WRITE)
    client = app.test_client()
    invalid = client.post(CREATE, json=new_vacancy(themes=[]), headers=keyed(secret, "k1"))
    assert invalid.status_code == 422
    fixed = client.post(CREATE, json=new_vacancy(), headers=keyed(secret, "k1"))
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers
    for bad in ("has space", "x" * 256, "naïve"):
        response = client.post(CREATE, json=new_vacancy(), headers=keyed(secret, bad))
        assert response.status_code == 422, bad
    assert vacancies(app) == 1


def test_a_retried_publish_answers_as_the_first_did(app: Flask, make: Factory) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,), status=VacancyStatus.DRAFT)
    _, secret = issue_token(app, recruiter, TokenScope.WRITE)
    client = app.test_client()
    path = f"/api/v1/staff/vacancies/{vacancy.id}"
    etag = client.get(path, headers=bearer(secret)).headers["ETag"]
    first = client.post(f"{path}/publish", headers=keyed(secret, "publish-1", etag))
    assert first.status_code == 200 and first.get_json()["status"] == "published"
    # The retry's If-Match is stale now, but the key answers first: no 412, no 409.
    again = client.post(f"{path}/publish", headers=keyed(secret, "publish-1", etag))
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    # The same key on another path is another request.
    other = client.post(f"{path}/close", headers=keyed(secret, "publish-1", etag))
    assert other.status_code == 422


def test_two_requests_racing_with_one_key_make_one_object(
    app_factory: AppFactory, backend: str
) -> None:
    """Both requests do their work before either can keep the key (on PostgreSQL the key is
    held by another transaction until both wait); one keeps it, the other answers its answer."""
    app = app_factory(RATELIMIT_ENABLED=False)
    make = Factory(app)
    owner = make.recruiter()
    _, secret = issue_token(app, owner, TokenScope.WRITE)
    answers: list[tuple[int, dict[str, object]]] = []
    body = new_vacancy()  # once: a closing time taken a second later would be another body

    def post() -> None:
        response = app.test_client().post(CREATE, json=body, headers=keyed(secret, "race"))
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=post) for _ in range(2)]
    hold = (
        "INSERT INTO api_idempotency_keys (user_id, key, fingerprint, status_code, "
        "body, headers, created_at, expires_at) VALUES (:u, 'race', '', 0, '', "
        "'{}', now(), now() + interval '1 hour')"
    )
    race(app, backend, threads, hold, {"u": owner.id})
    assert [status for status, _ in answers] == [201, 201], answers
    assert answers[0][1] == answers[1][1]
    assert vacancies(app) == 1


def test_a_retried_update_answers_as_the_first_did(app: Flask, make: Factory) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    _, secret = issue_token(app, recruiter, TokenScope.WRITE)
    client = app.test_client()
    path = f"/api/v1/staff/vacancies/{vacancy.id}"
    etag = client.get(path, headers=bearer(secret)).headers["ETag"]
    change = {"title": "Director of Connectivity and Growth"}
    first = client.patch(path, json=change, headers=keyed(secret, "edit-1", etag))
    assert first.status_code == 200
    # A retry after a lost answer: replayed, where it would otherwise be a 412.
    again = client.patch(path, json=change, headers=keyed(secret, "edit-1", etag))
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    unkeyed = client.patch(path, json=change, headers={**bearer(secret), "If-Match": etag})
    assert unkeyed.status_code == 412


def test_a_retried_move_replays_without_keeping_the_candidates_data(
    app: Flask, make: Factory
) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    candidate = make.candidate(full_name="Kept Nowhere")
    application = make.application(candidate.id, vacancy.id, ApplicationStatus.SUBMITTED)
    _, secret = issue_token(app, recruiter, TokenScope.WRITE)
    client = app.test_client()
    path = f"/api/v1/applications/{application.id}"
    etag = client.get(path, headers=bearer(secret)).headers["ETag"]
    move = {"status": "under_review"}
    first = client.post(f"{path}/stage", json=move, headers=keyed(secret, "move-1", etag))
    assert first.status_code == 200 and "Kept Nowhere" in first.get_data(as_text=True)
    again = client.post(f"{path}/stage", json=move, headers=keyed(secret, "move-1", etag))
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert again.headers["ETag"] == first.headers["ETag"]
    with app.app_context():
        kept = db.session.scalars(select(IdempotencyKey.body)).all()
        assert list(kept) == [""]
        changes = db.session.scalars(
            select(StatusChange).where(StatusChange.application_id == application.id)
        ).all()
        assert [c.to_status for c in changes].count(ApplicationStatus.UNDER_REVIEW) == 1


def test_the_session_purge_job_also_deletes_expired_keys(app: Flask, make: Factory) -> None:
    from worker.tasks import purge_sessions

    _, secret = issue_token(app, make.recruiter(), TokenScope.WRITE)
    client = app.test_client()
    assert client.post(CREATE, json=new_vacancy(), headers=keyed(secret, "old")).status_code == 201
    assert client.post(CREATE, json=new_vacancy(), headers=keyed(secret, "new")).status_code == 201
    with app.app_context():
        db.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "old")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        purge_sessions.run()
        assert db.session.scalars(select(IdempotencyKey.key)).all() == ["new"]
