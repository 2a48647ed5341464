"""Applications through the API (issue #14): the list's filters and cursor, the team's scope,
drafts never shown, and an admin outside the team audited as on the staff pages."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import ApplicationStatus, AuditEvent
from testkit.factories import Factory
from tests.support.api import bearer, count_selects, issue_token


def walk(app: Flask, secret: str, query: str) -> list[int]:
    """Every application id in the list, page by page through `links.next`."""
    client = app.test_client()
    url: str | None = f"/api/v1/applications?{query}"
    ids: list[int] = []
    while url:
        response = client.get(url, headers=bearer(secret))
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        ids += [item["id"] for item in body["items"]]
        url = body["links"].get("next")
        assert len(ids) < 100
    return ids


def test_the_list_pages_filters_and_keeps_to_the_team(app: Flask, make: Factory) -> None:
    mine, other = make.recruiter(), make.recruiter()
    ours = make.vacancy(recruiter_ids=(mine.id,))
    theirs = make.vacancy(recruiter_ids=(other.id,), title="Head of Trade")
    candidates = [make.candidate() for _ in range(5)]
    shortlisted = ApplicationStatus.SHORTLISTED
    ids = [
        make.application(c.id, ours.id, shortlisted if n % 2 else ApplicationStatus.SUBMITTED).id
        for n, c in enumerate(candidates)
    ]
    elsewhere = make.application(candidates[0].id, theirs.id).id
    draft = make.application(make.candidate().id, ours.id, ApplicationStatus.DRAFT).id
    _, secret = issue_token(app, mine)
    assert walk(app, secret, "limit=2") == ids
    assert walk(app, secret, f"limit=1&vacancy_id={ours.id}&status=shortlisted") == ids[1::2]
    _, theirs_secret = issue_token(app, other)
    assert walk(app, theirs_secret, "") == [elsewhere]
    _, admin_secret = issue_token(app, make.admin())
    assert walk(app, admin_secret, "limit=3") == [*ids, elsewhere]
    client = app.test_client()
    assert draft not in walk(app, admin_secret, "")
    assert (
        client.get(f"/api/v1/applications/{draft}", headers=bearer(admin_secret)).status_code == 404
    )
    # Outside the team: 403 naming who to ask, as the staff pages (docs/api.md).
    outside = client.get(f"/api/v1/applications/{elsewhere}", headers=bearer(secret))
    assert outside.status_code == 403 and outside.mimetype == "application/problem+json"
    assert outside.get_json()["ask"]
    board = client.get(f"/api/v1/applications?vacancy_id={theirs.id}", headers=bearer(secret))
    assert board.status_code == 403 and board.get_json()["ask"]


def test_a_cursor_fits_only_its_filters(app: Flask, make: Factory) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    for _ in range(3):
        make.application(make.candidate().id, vacancy.id)
    _, secret = issue_token(app, recruiter)
    client = app.test_client()
    body = client.get("/api/v1/applications?limit=1", headers=bearer(secret)).get_json()
    cursor = body["next_cursor"]
    moved = client.get(f"/api/v1/applications?cursor={cursor}&status=offer", headers=bearer(secret))
    assert moved.status_code == 400
    bad = client.get("/api/v1/applications?status=draft", headers=bearer(secret))
    assert bad.status_code == 422


def test_an_admin_outside_the_team_is_audited(app: Flask, make: Factory) -> None:
    recruiter, admin = make.recruiter(), make.admin()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    application = make.application(make.candidate().id, vacancy.id)
    client = app.test_client()
    _, team_secret = issue_token(app, recruiter)
    assert (
        client.get(
            f"/api/v1/applications/{application.id}", headers=bearer(team_secret)
        ).status_code
        == 200
    )
    _, admin_secret = issue_token(app, admin)
    response = client.get(f"/api/v1/applications/{application.id}", headers=bearer(admin_secret))
    assert response.status_code == 200
    with app.app_context():
        audited = list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.event == "admin_application_access")
            )
        )
        assert [(e.actor_id, e.application_id, e.vacancy_id) for e in audited] == [
            (admin.id, application.id, vacancy.id)
        ]


def test_reads_take_as_many_statements_for_many_rows_as_for_few(app: Flask, make: Factory) -> None:
    recruiter = make.recruiter()
    small = make.vacancy(recruiter_ids=(recruiter.id,))
    many = tuple(f"Criterion {n}" for n in range(4))
    large = make.vacancy(recruiter_ids=(recruiter.id,), title="Head of Trade", essential=many)
    one = make.application(make.candidate().id, small.id).id
    for _ in range(4):
        last = make.application(make.candidate().id, large.id).id
    _, secret = issue_token(app, recruiter)
    assert count_selects(
        app, secret, f"/api/v1/applications?vacancy_id={large.id}"
    ) == count_selects(app, secret, f"/api/v1/applications?vacancy_id={small.id}")
    assert count_selects(app, secret, f"/api/v1/applications/{last}") == count_selects(
        app, secret, f"/api/v1/applications/{one}"
    )
