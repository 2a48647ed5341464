"""Reasonable adjustments: asked for by the candidate, seen and acknowledged by the vacancy's
recruiters, never seen by the sift panel; the candidate is emailed without their words."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from recruit.exports import jobs
from recruit.extensions import db
from recruit.models import (
    AdjustmentRequest,
    Application,
    ApplicationStatus,
    AuditEvent,
    ExportFormat,
    ExportJob,
    ExportStatus,
    InterviewGuaranteeOptIn,
    User,
)
from testkit.documents import pdf_bytes
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import log_in
from tests.support.adjustments import GIVEAWAYS, applicant, team
from tests.support.leak import read_export
from tests.support.portal import answers, post_apply
from tests.support.rows import all_rows, outbox, rows, stored

S = ApplicationStatus
ASKED = "Step-free access to the interview room, please (marker 7Q4X)"


def test_the_form_keeps_a_draft_request_and_opt_in_then_submits_them(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    draft = answers(vacancy, adjustments=ASKED, guaranteed_interview="y")
    assert post_apply(client, vacancy, "draft", draft).status_code == 302
    page = client.get(f"/vacancies/{vacancy.reference}/apply").get_data(as_text=True)
    assert ASKED in page
    assert 'name="guaranteed_interview" type="checkbox" value="y" checked' in page
    [asked] = rows(app, AdjustmentRequest)
    assert asked.on_form and asked.text == ASKED
    assert len(rows(app, InterviewGuaranteeOptIn)) == 1

    # Clearing the box and unticking the opt-in on a draft takes both back (a browser sends
    # the empty box, and nothing for an unticked checkbox).
    cleared = answers(vacancy, adjustments="")
    assert post_apply(client, vacancy, "draft", cleared).status_code == 302
    assert rows(app, AdjustmentRequest) == [] and rows(app, InterviewGuaranteeOptIn) == []

    response = post_apply(client, vacancy, "submit", draft, cv=(pdf_bytes(), "cv.pdf"))
    assert response.status_code == 302
    [application] = rows(app, Application)
    assert application.status is ApplicationStatus.SUBMITTED
    [asked] = rows(app, AdjustmentRequest)
    assert asked.text == ASKED and asked.acknowledged_at is None
    [opt_in] = rows(app, InterviewGuaranteeOptIn)
    assert opt_in.application_id == application.id
    mine = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert ASKED in mine and "Waiting for the recruitment team" in mine
    assert "you asked to be considered under the scheme" in mine


def test_a_request_too_long_is_refused_with_a_message(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    response = post_apply(client, vacancy, "draft", answers(vacancy, adjustments="x" * 2001))
    assert response.status_code == 400
    assert "Adjustments must be 2000 characters or fewer" in response.get_data(as_text=True)
    assert rows(app, AdjustmentRequest) == [] and rows(app, Application) == []


def test_the_candidate_asks_later_from_their_application_and_only_they_can(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    world = team(make)
    owner = make.candidate()
    application = make.application(owner.id, world.vacancy.id, ApplicationStatus.UNDER_REVIEW)
    log_in(client, owner)
    page = f"/applications/{application.id}/adjustments"
    assert f'href="{page}"' in client.get(f"/applications/{application.id}").get_data(as_text=True)

    empty = submit(client, page, {"adjustments": "   "})
    assert empty.status_code == 400
    assert "Enter the adjustments you would like" in empty.get_data(as_text=True)
    assert rows(app, AdjustmentRequest) == []

    sent = submit(client, page, {"adjustments": ASKED})
    assert sent.status_code == 302
    [asked] = rows(app, AdjustmentRequest)
    assert (asked.application_id, asked.text, asked.on_form) == (application.id, ASKED, False)

    other = app.test_client()
    log_in(other, make.candidate())
    assert other.get(page).status_code == 404
    assert other.post(page, data={"adjustments": "Not mine"}).status_code in (400, 404)
    assert len(rows(app, AdjustmentRequest)) == 1


def test_a_closed_application_takes_no_new_request(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    world = team(make)
    owner = make.candidate()
    application = make.application(owner.id, world.vacancy.id, ApplicationStatus.UNSUCCESSFUL)
    log_in(client, owner)
    page = f"/applications/{application.id}/adjustments"
    response = client.get(page)
    assert response.status_code == 302
    landing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You can no longer ask for adjustments on this application" in landing
    assert f'href="{page}"' not in landing
    assert rows(app, AdjustmentRequest) == []


def test_the_recruiter_sees_and_acknowledges_and_the_candidate_is_emailed(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    world = team(make)
    application = applicant(make, world, opted_in=False)
    asked = make.adjustment(application.id, ASKED)
    log_in(client, world.recruiter)
    url = f"/admin/applications/{application.id}"
    page = client.get(url).get_data(as_text=True)
    assert ASKED in page and "Acknowledge request" in page

    reply = "We have booked the ground-floor room."
    response = submit(
        client,
        url,
        {"request_id": str(asked.id), "response": reply},
        action=f"{url}/adjustments/acknowledge",
    )
    assert response.status_code == 302
    done = stored(app, AdjustmentRequest, asked.id)
    assert done.acknowledged_by_id == world.recruiter.id and done.acknowledged_at is not None
    assert done.response == reply
    [event] = rows(app, AuditEvent, AuditEvent.event == "adjustment_acknowledged")
    assert (event.actor_id, event.application_id) == (world.recruiter.id, application.id)
    assert ASKED not in event.detail
    [email] = outbox(app, "adjustment_acknowledged")
    assert email.recipient == stored(app, User, application.candidate_id).email
    assert ASKED not in repr(email.payload) and reply not in repr(email.payload)
    assert email.payload["reference"] == f"APP-{application.id:06d}"
    assert "Acknowledge request" not in client.get(url).get_data(as_text=True)

    # Twice is refused, and nothing more is sent.
    again = submit(
        client, url, {"request_id": str(asked.id)}, action=f"{url}/adjustments/acknowledge"
    )
    assert again.status_code == 400
    assert "already been acknowledged" in again.get_data(as_text=True)
    assert len(outbox(app, "adjustment_acknowledged")) == 1


def test_an_unknown_request_is_refused_and_changes_nothing(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    world = team(make)
    application = applicant(make, world, opted_in=False)
    elsewhere = applicant(make, world, opted_in=False)
    theirs = make.adjustment(elsewhere.id)
    log_in(client, world.recruiter)
    url = f"/admin/applications/{application.id}"
    before = all_rows(app)
    for request_id in ("999999", str(theirs.id), "①", ""):
        response = submit(
            client, url, {"request_id": request_id}, action=f"{url}/adjustments/acknowledge"
        )
        assert response.status_code == 400, request_id
        assert "That request was not found" in response.get_data(as_text=True)
    assert all_rows(app) == before


def test_the_panel_never_sees_a_request_or_the_opt_in(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    world = team(make)
    application = applicant(make, world, opted_in=True, agreed=(3, 2))
    make.adjustment(application.id, ASKED)
    log_in(client, world.panel)
    pages = [
        f"/admin/applications/{application.id}",
        f"/admin/applications/{application.id}/score",
        f"/admin/vacancies/{world.vacancy.id}/applications",
        "/admin/applications",
        "/admin/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.get_data(as_text=True)
        assert ASKED not in html, page
        assert not [word for word in GIVEAWAYS if word in html], page
    url = f"/admin/applications/{application.id}/adjustments/acknowledge"
    token = csrf_token_from(client.get(pages[0]).get_data(as_text=True))
    asked_id = rows(app, AdjustmentRequest)[0].id
    refused = client.post(url, data={"request_id": str(asked_id), "csrf_token": token})
    assert refused.status_code == 403
    assert rows(app, AdjustmentRequest)[0].acknowledged_at is None

    # The recruiter on the same page sees both.
    recruiter = app.test_client()
    log_in(recruiter, world.recruiter)
    html = recruiter.get(f"/admin/applications/{application.id}").get_data(as_text=True)
    assert ASKED in html and "Guaranteed interview" in html


def test_no_export_carries_a_request_or_the_opt_in(app: Flask, make: Factory) -> None:
    world = team(make)
    application = applicant(make, world, opted_in=True, agreed=(3, 3), status=S.SHORTLISTED)
    make.adjustment(application.id, ASKED)
    with app.app_context():
        db.session.execute(
            update(Application).where(Application.id == application.id).values(on_shortlist=True)
        )
        db.session.commit()
        texts = []
        for fmt in ExportFormat:
            for which in (None, "shortlist"):
                job = ExportJob(
                    vacancy_id=world.vacancy.id,
                    requested_by_id=world.recruiter.id,
                    format=fmt,
                    selection={"list": which, "statuses": []},
                    status=ExportStatus.BUILDING,
                )
                db.session.add(job)
                db.session.commit()
                texts.append(read_export(jobs.build(job)))
    assert all(application.candidate_number in text for text in texts)  # the row is there
    for text in texts:
        assert "7Q4X" not in text
        assert not [word for word in GIVEAWAYS if word in text]
