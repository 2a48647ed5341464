"""The board's bulk actions, working lists, filters and internal notes."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from recruit.models import Application
from recruit.models import ApplicationStatus as S
from recruit.notifications.catalog import EMAIL_TEMPLATES
from recruit.notifications.mail import render_bodies
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import log_in
from tests.support.rows import outbox, stored


def bulk(
    client: FlaskClient, vacancy_id: int, ids: list[int], action: str, **extra: str
) -> TestResponse:
    board = f"/admin/vacancies/{vacancy_id}/applications"
    data = {"application_ids": [str(i) for i in ids], "action": action, "vacancy_id": vacancy_id}
    return submit(client, board, {**data, **extra}, action="/admin/applications/bulk")


def test_bulk_move_moves_what_it_can_and_reports_the_rest(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    submitted = [make.application(make.candidate().id, vacancy.id) for _ in range(2)]
    shortlisted = make.application(make.candidate().id, vacancy.id, S.SHORTLISTED)
    log_in(client, make.team_recruiter(vacancy.id))
    ids = [a.id for a in [*submitted, shortlisted]]
    response = bulk(client, vacancy.id, ids, "move", to_status="interview")
    assert response.status_code == 302
    assert f"/admin/vacancies/{vacancy.id}/applications" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 application moved to interview." in page
    assert "2 applications not changed." in page
    assert "cannot be moved to interview" in page
    assert stored(app, Application, shortlisted.id).status is S.INTERVIEW
    assert all(stored(app, Application, a.id).status is S.SUBMITTED for a in submitted)
    [email] = outbox(app, "status_changed")
    assert email.payload["status"] == "interview"


def test_bulk_needs_a_selection_and_a_stage(app: Flask, client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy()
    application = make.application(make.candidate().id, vacancy.id)
    log_in(client, make.team_recruiter(vacancy.id))
    response = bulk(client, vacancy.id, [], "move", to_status="under_review")
    assert response.status_code == 400
    assert "Select at least one application" in response.get_data(as_text=True)
    response = bulk(client, vacancy.id, [application.id], "move", to_status="")
    assert response.status_code == 400
    assert "Select the stage" in response.get_data(as_text=True)
    assert bulk(client, vacancy.id, [application.id], "explode").status_code == 400
    assert stored(app, Application, application.id).status is S.SUBMITTED


def test_bulk_ignores_applications_from_other_vacancies(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy, other = make.vacancy(), make.vacancy(title="Head of Skills and Talent")
    foreign = make.application(make.candidate().id, other.id)
    # On both teams: posted from one vacancy's board, the other's application is still dropped.
    log_in(client, make.team_recruiter(vacancy.id, other.id))
    response = bulk(client, vacancy.id, [foreign.id], "move", to_status="under_review")
    assert response.status_code == 302
    assert stored(app, Application, foreign.id).status is S.SUBMITTED


def test_longlist_and_shortlist(app: Flask, client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy()
    first = make.application(make.candidate(full_name="Listed Lara").id, vacancy.id)
    make.application(make.candidate(full_name="Unlisted Uma").id, vacancy.id)
    log_in(client, make.team_recruiter(vacancy.id))
    assert bulk(client, vacancy.id, [first.id], "longlist").status_code == 302
    assert bulk(client, vacancy.id, [first.id], "shortlist").status_code == 302
    row = stored(app, Application, first.id)
    assert row.on_longlist and row.on_shortlist and row.status is S.SUBMITTED
    assert outbox(app, "status_changed") == [], "lists are internal: nobody is emailed"
    url = f"/admin/vacancies/{vacancy.id}/applications"
    page = client.get(f"{url}?listed=longlist").get_data(as_text=True)
    assert "Listed Lara" in page and "Unlisted Uma" not in page
    assert bulk(client, vacancy.id, [first.id], "unlonglist").status_code == 302
    assert not stored(app, Application, first.id).on_longlist


def test_unsuccessful_email_is_edited_then_queued_for_each_candidate(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    assert "unsuccessful_custom" in EMAIL_TEMPLATES, (
        "register 'unsuccessful_custom' (subject '{subject}') in recruit.notifications.catalog "
        "so bulk rejections can be queued"
    )
    vacancy = make.vacancy(title="Director of Connectivity")
    people = [make.candidate(full_name=n) for n in ("Priya Shah", "Tom Reid")]
    apps = [make.application(p.id, vacancy.id, S.UNDER_REVIEW) for p in people]
    appointed = make.application(make.candidate().id, vacancy.id, S.APPOINTED)
    log_in(client, make.team_recruiter(vacancy.id))
    ids = [a.id for a in [*apps, appointed]]
    compose = bulk(client, vacancy.id, ids, "unsuccessful")
    assert compose.status_code == 200
    html = compose.get_data(as_text=True)
    assert "Your application for Director of Connectivity" in html and "{first_name}" in html
    assert stored(app, Application, apps[0].id).status is S.UNDER_REVIEW, "nothing sent yet"

    data = {
        "application_ids": [str(i) for i in ids],
        "vacancy_id": str(vacancy.id),
        "subject": "Your application for {vacancy_title}",
        "body": "Dear {first_name},\r\n\r\nThank you. Not this time for {reference}.",
        "csrf_token": csrf_token_from(html),
    }
    response = client.post("/admin/applications/bulk/unsuccessful", data=data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 applications marked unsuccessful and emailed." in page
    assert "1 application not changed." in page

    emails = outbox(app, "unsuccessful_custom")
    assert sorted(e.recipient for e in emails) == sorted(p.email for p in people)
    by_recipient = {e.recipient: e.payload for e in emails}
    payload = by_recipient[people[0].email]
    assert payload["subject"] == "Your application for Director of Connectivity"
    assert payload["body"].startswith("Dear Priya,\n\nThank you.")
    assert f"APP-{apps[0].id:06d}" in payload["body"]
    assert outbox(app, "status_changed") == [], "one email per candidate, not two"
    assert all(stored(app, Application, a.id).status is S.UNSUCCESSFUL for a in apps)
    assert stored(app, Application, appointed.id).status is S.APPOINTED


def test_unsuccessful_form_needs_subject_and_body(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    application = make.application(make.candidate().id, vacancy.id, S.UNDER_REVIEW)
    log_in(client, make.team_recruiter(vacancy.id))
    html = bulk(client, vacancy.id, [application.id], "unsuccessful").get_data(as_text=True)
    data = {
        "application_ids": [str(application.id)],
        "subject": "",
        "body": "",
        "csrf_token": csrf_token_from(html),
    }
    response = client.post("/admin/applications/bulk/unsuccessful", data=data)
    assert response.status_code == 400
    assert "Enter a subject" in response.get_data(as_text=True)
    assert stored(app, Application, application.id).status is S.UNDER_REVIEW


def test_unsuccessful_email_templates_render_the_edited_text(app: Flask) -> None:
    context = {
        "full_name": "Priya Shah",
        "subject": "Your application",
        "body": "Dear Priya,\n\nLine <b>one</b>\nline two",
        "vacancy_title": "Director of Connectivity",
        "reference": "APP-000001",
        "application_url": "http://recruit.test/applications/1",
        "base_url": "http://recruit.test",
    }
    with app.test_request_context():
        text, html = render_bodies("unsuccessful_custom", context)
    assert "Dear Priya," in text and "Line <b>one</b>" in text
    assert "&lt;b&gt;one&lt;/b&gt;" in html and "line two" in html
    assert "http://recruit.test/applications/1" in html


def test_notes_are_internal(app: Flask, client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy()
    candidate = make.candidate()
    application = make.application(candidate.id, vacancy.id, S.UNDER_REVIEW)
    panel = make.panel_member()
    make.assign_panel(vacancy.id, panel.id)
    recruiter = make.team_recruiter(vacancy.id, full_name="Noah Recruiter")
    log_in(client, recruiter)
    url = f"/admin/applications/{application.id}"
    note = "Internal only: salary expectation above band"
    assert submit(client, url, {"body": note}, action=f"{url}/notes").status_code == 302
    response = submit(client, url, {"body": "   "}, action=f"{url}/notes")
    assert response.status_code == 400 and "Enter a note" in response.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert note in page and "Noah Recruiter" in page

    candidate_client = app.test_client()
    log_in(candidate_client, candidate)
    own = candidate_client.get(f"/applications/{application.id}")
    assert own.status_code == 200
    assert note not in own.get_data(as_text=True)
    assert note not in candidate_client.get("/applications").get_data(as_text=True)

    panel_client = app.test_client()
    log_in(panel_client, panel)
    assert note not in panel_client.get(url).get_data(as_text=True)


def test_filters_by_theme_sector_and_date(app: Flask, client: FlaskClient, make: Factory) -> None:
    transport = make.vacancy(
        title="Director of Connectivity", themes=("connectivity",), sectors=("aerospace",)
    )
    skills = make.vacancy(title="Head of Skills", themes=("skills",), sectors=("medtech",))
    make.application(make.candidate(full_name="Connie Transport").id, transport.id)
    make.application(make.candidate(full_name="Sam Skills").id, skills.id)
    log_in(client, make.team_recruiter(transport.id, skills.id))
    page = client.get("/admin/applications?theme=skills").get_data(as_text=True)
    assert "Sam Skills" in page and "Connie Transport" not in page
    page = client.get("/admin/applications?sector=aerospace").get_data(as_text=True)
    assert "Connie Transport" in page and "Sam Skills" not in page
    page = client.get("/admin/applications?submitted_from=1/1/2000").get_data(as_text=True)
    assert "Connie Transport" in page and "Sam Skills" in page
    page = client.get("/admin/applications?submitted_to=1/1/2000").get_data(as_text=True)
    assert "Connie Transport" not in page and "0 applications" in page
    response = client.get("/admin/applications?submitted_from=31/2/2026")
    assert response.status_code == 400
    assert "Submitted from must be a real date" in response.get_data(as_text=True)
