"""Scores through the API (issue #14): an assessor's own set, saved and submitted by the
scoring service's rules, with If-Match on updates and Idempotency-Key on the first save; the
panel's scores hidden until the reader's own set is submitted, as on the application page."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    IdempotencyKey,
    Score,
    TokenScope,
    User,
)
from recruit.services import scoring
from testkit.factories import Factory
from tests.support.api import admin_access_details, bearer, count_selects, issue_token

PROBLEM = "application/problem+json"


def whole(criteria: list[Any], value: int | None = 3, comment: str = "Clear") -> dict[str, Any]:
    """A set scoring every criterion `value`."""
    return {
        "scores": [{"criterion_id": c.id, "score": value, "comment": comment} for c in criteria]
    }


def score_rows(app: Flask, assessor_id: int) -> list[tuple[int | None, bool]]:
    """The assessor's stored scores, by criterion: (score, submitted)."""
    with app.app_context():
        rows = db.session.scalars(
            select(Score).where(Score.assessor_id == assessor_id).order_by(Score.criterion_id)
        ).all()
        return [(r.score, r.submitted_at is not None) for r in rows]


def test_an_assessor_saves_a_draft_then_submits_it_with_if_match(app: Flask, make: Factory) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,), anonymised_sift=True)
    candidate = make.candidate(full_name="Nia Nameless")
    application = make.application(candidate.id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    secret = issue_token(app, recruiter, TokenScope.WRITE)[1]
    client = app.test_client()
    mine = f"/api/v1/applications/{application.id}/scores/mine"
    first = client.get(mine, headers=bearer(secret))
    assert first.status_code == 200 and first.get_json()["status"] == "none"
    assert [s["score"] for s in first.get_json()["scores"]] == [None, None]
    assert [s["value"] for s in first.get_json()["scale"]] == list(scoring.SCALE)
    draft = {"scores": [{"criterion_id": vacancy.criteria[0].id, "score": 2, "comment": "OK"}]}
    saved = client.post(mine, json=draft, headers=bearer(secret))
    assert saved.status_code == 201, saved.get_data(as_text=True)
    assert saved.headers["Location"].endswith(mine) and saved.headers["ETag"]
    assert saved.get_json()["status"] == "draft"
    assert score_rows(app, recruiter.id) == [(2, False), (None, False)]
    again = client.post(mine, json=draft, headers=bearer(secret))
    assert again.status_code == 409 and "PUT" in again.get_json()["detail"]
    assert client.put(mine, json=draft, headers=bearer(secret)).status_code == 428
    stale = client.put(mine, json=draft, headers=bearer(secret, first.headers["ETag"]))
    assert stale.status_code == 412 and stale.headers["ETag"] == saved.headers["ETag"]
    early = client.put(
        mine, json={**draft, "submit": True}, headers=bearer(secret, saved.headers["ETag"])
    )
    assert early.status_code == 409 and early.mimetype == PROBLEM
    assert early.get_json()["detail"] == "Score every criterion before you submit"
    done = client.put(
        mine,
        json={**whole(vacancy.criteria), "submit": True},
        headers=bearer(secret, saved.headers["ETag"]),
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["status"] == "submitted" and done.get_json()["submitted_at"]
    assert score_rows(app, recruiter.id) == [(3, True), (3, True)]
    final = client.put(
        mine, json=whole(vacancy.criteria, 1), headers=bearer(secret, done.headers["ETag"])
    )
    assert final.status_code == 409
    assert (
        final.get_json()["detail"] == "You have already submitted your scores for this application"
    )
    # Nothing said about the candidate, anonymised or not.
    for response in (first, saved, done):
        assert b"Nia Nameless" not in response.data


def test_the_panel_is_hidden_until_your_own_set_is_submitted(app: Flask, make: Factory) -> None:
    recruiter, panel = (
        make.recruiter(full_name="Rhiannon Lead"),
        make.panel_member(full_name="Pat Panel"),
    )
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    make.assign_panel(vacancy.id, panel.id)
    application = make.application(make.candidate().id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    make.scores(
        application.id, panel.id, {c.id: 1 for c in vacancy.criteria}, comment="Thin on rail"
    )
    secret = issue_token(app, recruiter, TokenScope.WRITE)[1]
    client = app.test_client()
    path = f"/api/v1/applications/{application.id}/scores"
    hidden = client.get(path, headers=bearer(secret))
    assert hidden.status_code == 200
    body = hidden.get_json()
    assert body["panel_visible"] is False and body["criteria"] is None
    assert body["essential_met"] is None and body["own_status"] == "none"
    assert b"Thin on rail" not in hidden.data and b"Pat Panel" not in hidden.data
    submitted = client.post(
        f"{path}/mine", json={**whole(vacancy.criteria, 3), "submit": True}, headers=bearer(secret)
    )
    assert submitted.status_code == 201
    shown = client.get(path, headers=bearer(secret)).get_json()
    assert shown["panel_visible"] is True and shown["own_status"] == "submitted"
    first = shown["criteria"][0]
    assert first["criterion_id"] == vacancy.criteria[0].id and first["kind"] == "essential"
    assert sorted((s["assessor"], s["score"]) for s in first["scores"]) == [
        ("Pat Panel", 1),
        ("Rhiannon Lead", 3),
    ]
    assert first["mean"] == 2.0 and first["spread"] == 2 and first["agreed"] is None
    assert shown["essential_met"] is True
    make.agreed(application.id, vacancy.criteria[0].id, 1)
    agreed = client.get(path, headers=bearer(secret)).get_json()
    assert agreed["criteria"][0]["agreed"]["score"] == 1 and agreed["criteria"][0]["effective"] == 1
    assert agreed["essential_met"] is False


def test_scoring_opens_in_the_sift_and_takes_only_the_vacancy_criteria(
    app: Flask, make: Factory
) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    other = make.vacancy(recruiter_ids=(recruiter.id,))
    application = make.application(make.candidate().id, vacancy.id, ApplicationStatus.SUBMITTED)
    secret = issue_token(app, recruiter, TokenScope.WRITE)[1]
    client = app.test_client()
    mine = f"/api/v1/applications/{application.id}/scores/mine"
    early = client.post(mine, json=whole(vacancy.criteria), headers=bearer(secret))
    assert early.status_code == 409
    assert early.get_json()["detail"] == "Scoring opens when the application is under review."
    assert client.get(mine, headers=bearer(secret)).get_json()["scoring_open"] is False
    make.application(make.candidate().id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    sifted = make.application(make.candidate().id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    mine = f"/api/v1/applications/{sifted.id}/scores/mine"
    foreign = client.post(mine, json=whole(other.criteria), headers=bearer(secret))
    assert foreign.status_code == 422
    assert foreign.get_json()["errors"]["json"]["scores"]["0"]["criterion_id"]
    twice = {"scores": 2 * whole(vacancy.criteria[:1])["scores"]}
    assert client.post(mine, json=twice, headers=bearer(secret)).status_code == 422
    for bad in (
        whole(vacancy.criteria, 5),
        whole(vacancy.criteria, -1),
        whole(vacancy.criteria, 3, "x" * (scoring.COMMENT_CHARS + 1)),
        whole(vacancy.criteria, 3, "a\x00b"),
        {**whole(vacancy.criteria), "moderate": True},
        {"scores": "all threes"},
    ):
        refused = client.post(mine, json=bad, headers=bearer(secret))
        assert refused.status_code == 422 and refused.mimetype == PROBLEM, bad
    assert score_rows(app, recruiter.id) == []
    reader = issue_token(app, recruiter)[1]
    assert (
        client.post(mine, json=whole(vacancy.criteria), headers=bearer(reader)).status_code == 403
    )


def test_a_moderator_who_saw_the_panel_without_scoring_cannot_score(
    app: Flask, make: Factory
) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    application = make.application(make.candidate().id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    with app.app_context():
        found = db.session.get(Application, application.id)
        moderator = db.session.get(User, recruiter.id)
        assert found is not None and moderator is not None
        scoring.abstain(found, moderator)
        db.session.commit()
    secret = issue_token(app, recruiter, TokenScope.WRITE)[1]
    client = app.test_client()
    mine = f"/api/v1/applications/{application.id}/scores/mine"
    read = client.get(mine, headers=bearer(secret))
    assert read.get_json()["status"] == "abstained"
    assert client.get(mine[: -len("/mine")], headers=bearer(secret)).get_json()["panel_visible"]
    refused = client.put(
        mine, json=whole(vacancy.criteria), headers=bearer(secret, read.headers["ETag"])
    )
    assert refused.status_code == 409 and "without scoring" in refused.get_json()["detail"]


def test_a_retried_first_save_saves_once_and_keeps_no_comment(app: Flask, make: Factory) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    application = make.application(make.candidate().id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    secret = issue_token(app, recruiter, TokenScope.WRITE)[1]
    client = app.test_client()
    mine = f"/api/v1/applications/{application.id}/scores/mine"
    headers = {**bearer(secret), "Idempotency-Key": "score-once-1"}
    body = whole(vacancy.criteria, 2, "Private remark")
    first = client.post(mine, json=body, headers=headers)
    retry = client.post(mine, json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.get_json() == first.get_json() and retry.headers["ETag"] == first.headers["ETag"]
    other = client.post(mine, json=whole(vacancy.criteria, 1), headers=headers)
    assert other.status_code == 422
    assert score_rows(app, recruiter.id) == [(2, False), (2, False)]
    with app.app_context():
        kept = db.session.scalars(select(IdempotencyKey)).all()
        assert len(kept) == 1 and "Private remark" not in kept[0].body


def test_an_admin_outside_the_team_scores_and_is_audited(app: Flask, make: Factory) -> None:
    admin = make.admin()
    vacancy = make.vacancy(recruiter_ids=(make.recruiter().id,))
    application = make.application(make.candidate().id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    secret = issue_token(app, admin, TokenScope.WRITE)[1]
    client = app.test_client()
    path = f"/api/v1/applications/{application.id}/scores"
    assert client.get(path, headers=bearer(secret)).status_code == 200
    saved = client.post(f"{path}/mine", json=whole(vacancy.criteria), headers=bearer(secret))
    assert saved.status_code == 201
    details = admin_access_details(app, AuditEvent.application_id == application.id)
    assert "api: application scores" in details and "api: application score" in details
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Score))
        assert count == len(vacancy.criteria)


def _scored(make: Factory, recruiter: Any, criteria: int, assessors: int) -> int:
    """An application under review scored by the recruiter and `assessors` panel members
    against `criteria` essential criteria (and one desirable one); its id."""
    essential = tuple(f"Criterion {n}" for n in range(criteria))
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,), essential=essential)
    application = make.application(make.candidate().id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    panel = [make.panel_member().id for _ in range(assessors)]
    for user_id in panel:
        make.assign_panel(vacancy.id, user_id)
    for user_id in [recruiter.id, *panel]:
        make.scores(application.id, user_id, {c.id: 2 for c in vacancy.criteria}, comment="Fine")
    return application.id


def test_reads_take_as_many_statements_for_many_scores_as_for_few(
    app: Flask, make: Factory
) -> None:
    recruiter = make.recruiter()
    few = _scored(make, recruiter, criteria=1, assessors=1)
    many = _scored(make, recruiter, criteria=4, assessors=3)
    secret = issue_token(app, recruiter)[1]
    for tail in ("scores", "scores/mine"):
        assert count_selects(app, secret, f"/api/v1/applications/{many}/{tail}") == count_selects(
            app, secret, f"/api/v1/applications/{few}/{tail}"
        )
