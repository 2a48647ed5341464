"""Recruiter admin: a vacancy's applications, one application, its CV and pipeline moves."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from recruit.models import (
    Application,
    ApplicationStatus,
    StatusChange,
    utcnow,
)
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in
from tests.support.rows import outbox, rows, stored

S = ApplicationStatus


def test_application_list_never_shows_drafts_and_filters_by_status(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    names = {
        S.DRAFT: "Drafting Dana",
        S.SUBMITTED: "Submitted Sam",
        S.SHORTLISTED: "Shortlisted Shreya",
        S.WITHDRAWN: "Withdrawn Wes",
    }
    for status, name in names.items():
        make.application(make.candidate(full_name=name).id, vacancy.id, status)
    log_in(client, make.team_recruiter(vacancy.id))
    url = f"/admin/vacancies/{vacancy.id}/applications"
    page = client.get(url).get_data(as_text=True)
    assert "Drafting Dana" not in page
    assert "Submitted Sam" in page and "Shortlisted Shreya" in page and "Withdrawn Wes" in page
    assert "3 applications" in page and "govuk-table" in page and "govuk-tag" in page

    page = client.get(f"{url}?status=shortlisted").get_data(as_text=True)
    assert "Shortlisted Shreya" in page and "Submitted Sam" not in page

    page = client.get(f"{url}?status=draft").get_data(as_text=True)
    assert "Drafting Dana" not in page, "a forged filter cannot reveal drafts"


def test_application_list_paginates(app: Flask, client: FlaskClient, make: Factory) -> None:
    app.config["PAGE_SIZE"] = 2
    vacancy = make.vacancy()
    for n in range(5):
        make.application(make.candidate(full_name=f"Candidate Number{n}").id, vacancy.id)
    log_in(client, make.team_recruiter(vacancy.id))
    url = f"/admin/vacancies/{vacancy.id}/applications"
    first = client.get(url).get_data(as_text=True)
    assert "Number0" in first and "Number1" in first and "Number2" not in first
    assert "govuk-pagination" in first
    last = client.get(f"{url}?page=3").get_data(as_text=True)
    assert "Number4" in last and "Number0" not in last
    assert client.get(f"{url}?page=99").status_code == 200


def test_application_detail_shows_statement_evidence_cv_and_history(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    candidate = make.candidate(full_name="Amara Okafor")
    application = make.application(
        candidate.id, vacancy.id, S.UNDER_REVIEW, statement="I led the Midlands Connect board."
    )
    make.cv(application.id, b"%PDF-1.4 cv")
    log_in(client, make.team_recruiter(vacancy.id))
    response = client.get(f"/admin/applications/{application.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Amara Okafor" in page
    assert "I led the Midlands Connect board." in page
    assert "Evidence for Leadership of a regional transport programme" in page
    assert "Evidence for Experience of rail investment cases" in page
    assert f"/admin/applications/{application.id}/cv" in page
    assert "Under review" in page and "govuk-summary-list" in page
    # Only the pipeline's allowed moves are offered.
    for allowed in ("shortlisted", "unsuccessful", "submitted"):
        assert f'value="{allowed}"' in page
    assert 'value="appointed"' not in page and 'value="offer"' not in page


def test_cv_download_returns_the_bytes_as_an_attachment(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    application = make.application(make.candidate().id, vacancy.id)
    content = b"%PDF-1.4\nA real CV\n%%EOF"
    make.cv(application.id, content, name="Amara Okafor CV.pdf")
    log_in(client, make.team_recruiter(vacancy.id))
    response = client.get(f"/admin/applications/{application.id}/cv")
    assert response.status_code == 200
    assert response.data == content
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Amara" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"


def test_cv_download_404s_without_a_cv_or_file(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    without = make.application(make.candidate().id, vacancy.id)
    missing = make.application(make.candidate().id, vacancy.id)
    make.cv(missing.id, b"gone")
    with app.app_context():
        for file in Path(app.config["UPLOAD_DIR"]).iterdir():
            file.unlink()
    log_in(client, make.team_recruiter(vacancy.id))
    assert client.get(f"/admin/applications/{without.id}/cv").status_code == 404
    assert client.get(f"/admin/applications/{missing.id}/cv").status_code == 404


def move(client: FlaskClient, application_id: int, to_status: str, note: str = "") -> TestResponse:
    return submit(
        client,
        f"/admin/applications/{application_id}",
        {"to_status": to_status, "note": note},
        action=f"/admin/applications/{application_id}/move",
    )


def test_allowed_move_records_history_and_emails_the_candidate(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    recruiter = make.recruiter(full_name="Priya Shah")
    vacancy = make.vacancy(title="Director of Connectivity", recruiter_ids=(recruiter.id,))
    candidate = make.candidate()
    application = make.application(candidate.id, vacancy.id, S.SUBMITTED)
    log_in(client, recruiter)
    before = utcnow()
    response = move(client, application.id, "under_review", note="Strong transport record")
    assert response.status_code == 302
    assert stored(app, Application, application.id).status is S.UNDER_REVIEW

    change = rows(app, StatusChange, StatusChange.application_id == application.id)[-1]
    assert (change.from_status, change.to_status) == (S.SUBMITTED, S.UNDER_REVIEW)
    assert change.changed_by_id == recruiter.id
    assert change.changed_at >= before
    assert change.note == "Strong transport record"

    [email] = outbox(app, "status_changed")
    assert email.recipient == candidate.email
    assert email.payload["status"] == "under_review"
    assert email.payload["vacancy_title"] == "Director of Connectivity"

    page = client.get(f"/admin/applications/{application.id}").get_data(as_text=True)
    assert "Priya Shah" in page and "Strong transport record" in page


def test_disallowed_move_answers_400_and_changes_nothing(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    application = make.application(make.candidate().id, vacancy.id, S.SUBMITTED)
    log_in(client, make.team_recruiter(vacancy.id))
    for target in ("appointed", "withdrawn", "draft", "nonsense"):
        response = move(client, application.id, target)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "There is a problem" in page
    response = move(client, application.id, "appointed")
    assert "cannot be moved to appointed" in response.get_data(as_text=True)
    response = move(client, application.id, "")
    assert response.status_code == 400
    assert "Select a new status" in response.get_data(as_text=True)
    assert stored(app, Application, application.id).status is S.SUBMITTED
    assert len(rows(app, StatusChange, StatusChange.application_id == application.id)) == 1
    assert outbox(app, "status_changed") == []


def test_final_statuses_offer_no_moves(app: Flask, client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy()
    application = make.application(make.candidate().id, vacancy.id, S.WITHDRAWN)
    log_in(client, make.team_recruiter(vacancy.id))
    page = client.get(f"/admin/applications/{application.id}").get_data(as_text=True)
    assert "cannot be moved any further" in page


def test_draft_applications_are_not_found(app: Flask, client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy()
    draft = make.application(make.candidate().id, vacancy.id, S.DRAFT)
    log_in(client, make.team_recruiter(vacancy.id))
    assert client.get(f"/admin/applications/{draft.id}").status_code == 404
    assert client.get(f"/admin/applications/{draft.id}/cv").status_code == 404
