"""The Disability Confident guaranteed interview: the board's mark, rejections that need a
recorded reason, bulk rejections that leave such applications out, and the report."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, AuditEvent, GuaranteeOverride
from recruit.services import guarantee
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in
from tests.support.adjustments import GIVEAWAYS, applicant, row_for, team
from tests.support.rows import all_rows, outbox, rows, stored

S = ApplicationStatus
MARK = "Guaranteed interview"


def move(client: FlaskClient, application_id: int, to_status: str, note: str = "") -> str:
    """Move an application from its page as a recruiter would; the answer's status and page."""
    url = f"/admin/applications/{application_id}"
    response = submit(client, url, {"to_status": to_status, "note": note}, action=f"{url}/move")
    return f"{response.status_code} {response.get_data(as_text=True)}"


def test_the_board_marks_only_opted_in_applications_meeting_every_essential_criterion(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    world = team(make)
    qualifies = applicant(make, world, opted_in=True, agreed=(2, 4))
    one_short = applicant(make, world, opted_in=True, agreed=(3, 1))
    half_agreed = applicant(make, world, opted_in=True, agreed=(3, None))
    # Assessors' scores alone do not count: only the moderated (agreed) ones do.
    make.scores(half_agreed.id, world.recruiter.id, {c: 4 for c in world.essential_ids})
    not_opted = applicant(make, world, opted_in=False, agreed=(4, 4))
    log_in(client, world.recruiter)
    board = client.get(f"/admin/vacancies/{world.vacancy.id}/applications").get_data(as_text=True)
    assert MARK in row_for(board, qualifies.id)
    for other in (one_short, half_agreed, not_opted):
        assert MARK not in row_for(board, other.id)
    assert board.count(MARK) == 1
    across = client.get("/admin/applications").get_data(as_text=True)
    assert MARK in row_for(across, qualifies.id) and across.count(MARK) == 1

    panel = app.test_client()
    log_in(panel, world.panel)
    seen = panel.get(f"/admin/vacancies/{world.vacancy.id}/applications").get_data(as_text=True)
    assert f'href="/admin/applications/{qualifies.id}"' in seen
    assert not [word for word in GIVEAWAYS if word in seen]


def test_a_vacancy_without_essential_criteria_guarantees_nobody(app: Flask, make: Factory) -> None:
    vacancy = make.vacancy(essential=())
    application = make.application(make.candidate().id, vacancy.id, S.UNDER_REVIEW)
    make.opt_in(application.id)
    with app.app_context():
        assert guarantee.guaranteed_among([application.id]) == set()


def test_rejecting_before_interview_needs_a_reason_which_is_kept_and_audited(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    world = team(make)
    application = applicant(make, world, opted_in=True, agreed=(2, 2), status=S.SHORTLISTED)
    log_in(client, world.recruiter)
    before = all_rows(app)
    answer = move(client, application.id, "unsuccessful", note="   ")
    assert answer.startswith("400 ")
    assert "give your reason in the note" in answer
    assert all_rows(app) == before  # no move, no history, no email, no override

    reason = "Withdrew their right to work in the UK during the sift"
    answer = move(client, application.id, "unsuccessful", note=reason)
    assert answer.startswith("302 ")
    assert stored(app, Application, application.id).status is S.UNSUCCESSFUL
    [override] = rows(app, GuaranteeOverride)
    assert (override.application_id, override.reason) == (application.id, reason)
    assert override.decided_by_id == world.recruiter.id
    [event] = rows(app, AuditEvent, AuditEvent.event == "guaranteed_interview_override")
    assert (event.actor_id, event.application_id, event.detail) == (
        world.recruiter.id,
        application.id,
        reason,
    )
    assert [e.payload["status"] for e in outbox(app, "status_changed")] == ["unsuccessful"]
    page = client.get(f"/admin/applications/{application.id}").get_data(as_text=True)
    assert f"Reason: {reason}" in page


def test_other_moves_need_no_reason(app: Flask, client: FlaskClient, make: Factory) -> None:
    world = team(make)
    qualifies = applicant(make, world, opted_in=True, agreed=(3, 3), status=S.SHORTLISTED)
    short = applicant(make, world, opted_in=True, agreed=(1, 3))
    after_interview = applicant(make, world, opted_in=True, agreed=(3, 3), status=S.INTERVIEW)
    log_in(client, world.recruiter)
    assert move(client, qualifies.id, "interview").startswith("302 ")
    assert move(client, short.id, "unsuccessful").startswith("302 ")
    assert move(client, after_interview.id, "unsuccessful").startswith("302 ")
    assert rows(app, GuaranteeOverride) == []
    assert stored(app, Application, qualifies.id).status is S.INTERVIEW


def test_bulk_rejection_leaves_guaranteed_interviews_out_and_says_why(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    world = team(make)
    guaranteed = applicant(make, world, opted_in=True, agreed=(2, 2))
    ordinary = applicant(make, world, opted_in=False, agreed=(1, 1))
    log_in(client, world.recruiter)
    board = f"/admin/vacancies/{world.vacancy.id}/applications"
    ids = [str(guaranteed.id), str(ordinary.id)]
    response = submit(
        client,
        board,
        {
            "application_ids": ids,
            "vacancy_id": world.vacancy.id,
            "subject": "Your application",
            "body": "Dear {first_name}, thank you.",
        },
        action="/admin/applications/bulk/unsuccessful",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 application marked unsuccessful and emailed." in page
    assert "1 application not changed." in page
    assert "left out because it has a guaranteed interview" in page
    assert stored(app, Application, guaranteed.id).status is S.UNDER_REVIEW
    assert stored(app, Application, ordinary.id).status is S.UNSUCCESSFUL
    assert len(outbox(app, "unsuccessful_custom")) == 1

    # The board's "move" action to unsuccessful leaves it out too.
    response = submit(
        client,
        board,
        {
            "application_ids": [str(guaranteed.id)],
            "vacancy_id": world.vacancy.id,
            "action": "move",
            "to_status": "unsuccessful",
        },
        action="/admin/applications/bulk",
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "0 applications moved to unsuccessful." in page
    assert "left out because it has a guaranteed interview" in page
    assert stored(app, Application, guaranteed.id).status is S.UNDER_REVIEW
    assert rows(app, GuaranteeOverride) == []


def counts_in(html: str) -> dict[str, int]:
    """The report's figures, by the name each cell carries."""
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', html)}


def test_the_report_counts_opted_in_met_invited_and_overridden(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    world = team(make)
    invited = applicant(make, world, opted_in=True, agreed=(2, 3), status=S.SHORTLISTED)
    overridden = applicant(make, world, opted_in=True, agreed=(4, 4), status=S.SHORTLISTED)
    waiting = applicant(make, world, opted_in=True, agreed=(2, 2))
    applicant(make, world, opted_in=True, agreed=(1, 2))
    applicant(make, world, opted_in=False, agreed=(4, 4))
    draft = make.application(make.candidate().id, world.vacancy.id, S.DRAFT)
    make.opt_in(draft.id)
    log_in(client, world.recruiter)
    assert move(client, invited.id, "interview").startswith("302 ")
    assert move(client, overridden.id, "unsuccessful", note="Did not attend").startswith("302 ")
    url = f"/admin/vacancies/{world.vacancy.id}/guaranteed-interviews"
    report = client.get(url).get_data(as_text=True)
    assert counts_in(report) == {
        "opted_in": 4,
        "met": 3,
        "invited": 1,
        "overridden": 1,
        "awaiting": 1,
    }
    assert "Did not attend" in report
    assert f'href="/admin/applications/{overridden.id}"' in report
    vacancy_page = client.get(f"/admin/vacancies/{world.vacancy.id}").get_data(as_text=True)
    assert f'href="{url}"' in vacancy_page
    assert waiting.id != invited.id

    admin = app.test_client()
    log_in(admin, world.admin)
    on_vacancy = admin.get(f"/admin/vacancies/{world.vacancy.id}").get_data(as_text=True)
    assert 'href="/admin/guaranteed-interviews"' in on_vacancy
    everything = admin.get("/admin/guaranteed-interviews").get_data(as_text=True)
    assert counts_in(everything)["met"] == 3 and world.vacancy.title in everything

    for person, status in ((world.panel, 403), (world.outsider, 403)):
        other = app.test_client()
        log_in(other, person)
        assert other.get(url).status_code == status
        assert other.get("/admin/guaranteed-interviews").status_code == 403
        with app.app_context():
            db.session.rollback()
