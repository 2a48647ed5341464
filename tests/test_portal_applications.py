"""My applications: the list, one application, the CV download, withdrawal and who may see what."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.http import parse_options_header

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, OutboxMessage, User
from recruit.services import pipeline
from testkit.documents import docx_bytes, pdf_bytes
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in
from tests.support.portal import send_application


def apply_with_cv(
    app: Flask, client: FlaskClient, vacancy: SimpleNamespace, cv: bytes, name: str
) -> int:
    """Submit a complete application through the form and "Accept and send"; return its id."""
    data: dict[str, object] = {"statement": "My statement.", "action": "submit"}
    for criterion in vacancy.criteria:
        data[f"evidence_{criterion.id}"] = f"Evidence: {criterion.text}"
    data["cv"] = (io.BytesIO(cv), name)
    url = f"/vacancies/{vacancy.reference}/apply"
    response = submit(client, url, data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    sent = send_application(client, vacancy)
    with app.app_context():
        application_id = db.session.scalars(select(Application.id)).one()
    assert sent.headers["Location"].endswith(f"/applications/{application_id}/submitted")
    return application_id


def object_urls(application_id: int) -> list[str]:
    """Every page that belongs to one application."""
    base = f"/applications/{application_id}"
    return [base, f"{base}/cv", f"{base}/withdraw"]


def test_my_applications_lists_each_with_plain_status(client: FlaskClient, make: Factory) -> None:
    me = make.candidate()
    first = make.vacancy(title="Director of Connectivity")
    second = make.vacancy(title="Head of Skills and Talent")
    make.application(me.id, first.id, status=ApplicationStatus.UNDER_REVIEW)
    make.application(me.id, second.id, status=ApplicationStatus.DRAFT)
    someone_else = make.candidate()
    other = make.vacancy(title="Someone Else's Role")
    make.application(someone_else.id, other.id)
    log_in(client, me)
    html = client.get("/applications").get_data(as_text=True)
    assert "Director of Connectivity" in html and "Head of Skills and Talent" in html
    assert "Someone Else&#39;s Role" not in html and "Someone Else's Role" not in html
    assert 'class="govuk-tag govuk-tag--light-blue">Being reviewed<' in html
    assert "Draft – not yet submitted" in html
    assert "Not submitted" in html


def test_application_page_shows_answers_and_history_without_staff_names(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    me = make.candidate()
    recruiter = make.recruiter(full_name="Rita Recruiter")
    vacancy = make.vacancy(essential=("Led a programme",), desirable=("Knows rail",))
    log_in(client, me)
    application_id = apply_with_cv(app, client, vacancy, pdf_bytes(), "Ada CV.pdf")
    with app.test_request_context():
        row = db.session.get(Application, application_id)
        staff = db.session.get(User, recruiter.id)
        assert row is not None and staff is not None
        pipeline.move(row, ApplicationStatus.UNDER_REVIEW, staff, note="Internal note")
        db.session.commit()
    html = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "My statement." in html
    assert "Evidence: Led a programme" in html and "Evidence: Knows rail" in html
    assert "Ada CV.pdf" in html
    assert f'href="/applications/{application_id}/cv"' in html
    assert "Being reviewed" in html and "Submitted" in html
    assert "(GMT)" in html or "(BST)" in html
    assert "Rita Recruiter" not in html
    assert recruiter.email not in html
    assert "Internal note" not in html
    assert f'href="/applications/{application_id}/withdraw"' in html


@pytest.mark.parametrize(
    ("data", "name", "mimetype"),
    [
        (pdf_bytes(), "My CV.pdf", "application/pdf"),
        (
            docx_bytes(),
            "cv.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_cv_download_returns_the_same_bytes(
    app: Flask, client: FlaskClient, make: Factory, data: bytes, name: str, mimetype: str
) -> None:
    me = make.candidate()
    vacancy = make.vacancy()
    log_in(client, me)
    application_id = apply_with_cv(app, client, vacancy, data, name)
    response = client.get(f"/applications/{application_id}/cv")
    assert response.status_code == 200
    assert response.get_data() == data
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"].startswith("attachment")
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert (disposition, options) == ("attachment", {"filename": name})
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_cv_means_404(client: FlaskClient, make: Factory) -> None:
    me = make.candidate()
    application = make.application(me.id, make.vacancy().id)
    log_in(client, me)
    assert client.get(f"/applications/{application.id}/cv").status_code == 404


def test_withdraw_confirms_then_withdraws(app: Flask, client: FlaskClient, make: Factory) -> None:
    me = make.candidate()
    application = make.application(me.id, make.vacancy().id)
    log_in(client, me)
    url = f"/applications/{application.id}/withdraw"
    confirm = client.get(url)
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Are you sure you want to withdraw your application?" in html
    assert 'for="reason"' in html
    response = submit(client, url, {"reason": "I have accepted another post"})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Application, application.id)
        assert row is not None
        assert row.status is ApplicationStatus.WITHDRAWN
        last = row.history[-1]
        assert (last.from_status, last.to_status) == (
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.WITHDRAWN,
        )
        assert last.note == "I have accepted another post"
        templates = db.session.scalars(select(OutboxMessage.template)).all()
        assert templates == ["status_changed"]
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Withdrawn" in page
    assert f'href="{url}"' not in page


def test_going_back_to_apply_after_withdrawing_says_it_was_withdrawn(
    client: FlaskClient, make: Factory
) -> None:
    me = make.candidate()
    vacancy = make.vacancy()
    application = make.application(me.id, vacancy.id)
    log_in(client, me)
    withdraw = f"/applications/{application.id}/withdraw"
    assert submit(client, withdraw, {"reason": ""}).status_code == 302
    back = client.get(f"/vacancies/{vacancy.reference}/apply", follow_redirects=True)
    html = back.get_data(as_text=True)
    assert "You withdrew your application for this vacancy, so it will not be considered." in html
    assert "You cannot apply for this vacancy again." in html
    assert "already submitted" not in html
    advert = client.get(f"/vacancies/{vacancy.reference}").get_data(as_text=True)
    assert "You withdrew your application for this role" in advert
    assert "You have already applied" not in advert


def test_withdraw_reason_too_long_rerenders_with_errors(client: FlaskClient, make: Factory) -> None:
    me = make.candidate()
    application = make.application(me.id, make.vacancy().id)
    log_in(client, me)
    url = f"/applications/{application.id}/withdraw"
    response = submit(client, url, {"reason": "x" * 501})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", [ApplicationStatus.APPOINTED, ApplicationStatus.WITHDRAWN])
def test_final_outcomes_cannot_be_withdrawn(
    app: Flask, client: FlaskClient, make: Factory, status: ApplicationStatus
) -> None:
    me = make.candidate()
    application = make.application(me.id, make.vacancy().id, status=status)
    log_in(client, me)
    url = f"/applications/{application.id}/withdraw"
    assert client.get(url).status_code == 302
    token_page = f"/applications/{application.id}"
    assert submit(client, token_page, {}, action=url).status_code == 302
    with app.app_context():
        row = db.session.get(Application, application.id)
        assert row is not None and row.status is status


def test_other_candidates_objects_are_not_found(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    owner = make.candidate()
    vacancy = make.vacancy()
    log_in(client, owner)
    application_id = apply_with_cv(app, client, vacancy, pdf_bytes(), "cv.pdf")
    intruder_client = app.test_client()
    log_in(intruder_client, make.candidate())
    for url in object_urls(application_id):
        assert intruder_client.get(url).status_code == 404, url
    response = submit(intruder_client, "/applications", {}, action=object_urls(application_id)[2])
    assert response.status_code == 404
    with app.app_context():
        row = db.session.get(Application, application_id)
        assert row is not None and row.status is ApplicationStatus.SUBMITTED
    assert intruder_client.get(f"/applications/{application_id + 999}").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient, make: Factory) -> None:
    me = make.candidate()
    application = make.application(me.id, make.vacancy().id)
    for url in ["/applications", *object_urls(application.id)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["recruiter", "admin"])
def test_staff_get_403_on_candidate_pages(client: FlaskClient, make: Factory, role: str) -> None:
    me = make.candidate()
    application = make.application(me.id, make.vacancy().id)
    log_in(client, getattr(make, role)())
    for url in ["/applications", *object_urls(application.id)]:
        assert client.get(url).status_code == 403, url
