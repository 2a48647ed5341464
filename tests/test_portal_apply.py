"""Applying: drafts, submission, the word limit, evidence and the emails sent."""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from recruit.extensions import db
from recruit.models import (
    ApplicationStatus,
    CriterionKind,
    OutboxMessage,
    Role,
    StatusChange,
    User,
)
from recruit.notifications.mail import build_message
from testkit.documents import pdf_bytes
from testkit.factories import Factory
from tests.support.accounts import log_in
from tests.support.portal import announce_submissions, answers, post_apply, send_application
from tests.support.rows import only_application, outbox


def test_anonymous_visitor_is_sent_to_log_in(client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy()
    response = client.get(f"/vacancies/{vacancy.reference}/apply")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_staff_cannot_apply(client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy()
    log_in(client, make.recruiter())
    assert client.get(f"/vacancies/{vacancy.reference}/apply").status_code == 403


def test_form_groups_evidence_by_criterion(
    client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    html = client.get(f"/vacancies/{vacancy.reference}/apply").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert "Essential criteria" in html and "Desirable criteria" in html
    for criterion in vacancy.criteria:
        assert f'<label class="govuk-label govuk-label--s" for="evidence_{criterion.id}">' in html
        assert criterion.text in html
    assert 'name="action" value="continue">Continue</button>' in html
    assert "Save as draft" in html and "Submit application" not in html
    assert 'data-maxwords="20"' in html


def test_draft_can_be_saved_and_edited(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    response = post_apply(client, vacancy, "draft", {"statement": "First thoughts."})
    assert response.status_code == 302
    draft = only_application(app)
    assert draft.status is ApplicationStatus.DRAFT
    assert draft.statement == "First thoughts."
    assert draft.submitted_at is None
    page = client.get(f"/vacancies/{vacancy.reference}/apply").get_data(as_text=True)
    assert "First thoughts." in page

    essential = next(c for c in vacancy.criteria if c.kind is CriterionKind.ESSENTIAL)
    edit = {"statement": "Second thoughts.", f"evidence_{essential.id}": "Ran a programme."}
    assert post_apply(client, vacancy, "draft", edit).status_code == 302
    edited = only_application(app)
    assert edited.id == draft.id
    assert edited.statement == "Second thoughts."
    assert edited.evidence_for(essential.id) == "Ran a programme."
    assert outbox(app) == []


def test_submit_records_status_history_and_emails(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    response = post_apply(client, vacancy, "submit", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    assert response.status_code == 302
    submitted = only_application(app)
    assert response.headers["Location"].endswith(f"/applications/{submitted.id}/submitted")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # The GOV.UK confirmation panel, its heading the page's own (what a screen reader reads
    # first): the reference is in it.
    assert "<title>Application submitted: Head of Skills and Talent" in page
    panel = (
        r'<div class="govuk-panel govuk-panel--confirmation">\s*'
        r'<h1 class="govuk-panel__title">Application submitted</h1>\s*'
        r'<div class="govuk-panel__body">[^<]*<br><strong class="app-reference">'
    )
    assert re.search(panel + re.escape(submitted.reference) + "</strong>", page)
    assert submitted.status is ApplicationStatus.SUBMITTED
    assert submitted.submitted_at is not None
    assert [(h.from_status, h.to_status, h.changed_by_id) for h in submitted.history] == [
        (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, candidate.id)
    ]
    assert all(submitted.evidence_for(c.id) for c in vacancy.criteria)

    assert announce_submissions(app) == 1
    emails = [e for e in outbox(app) if e.kind == "email"]
    with app.app_context():
        recruiter_emails = set(
            db.session.scalars(select(User.email).where(User.role == Role.RECRUITER))
        )
    assert len(recruiter_emails) == 2
    assert len(emails) == 3
    assert (emails[0].template, emails[0].recipient) == ("application_received", candidate.email)
    assert {e.recipient for e in emails if e.template == "new_application"} == recruiter_emails
    received = emails[0].payload
    assert received["full_name"] == "Ada Candidate"
    assert received["vacancy_title"] == "Head of Skills and Talent"
    assert received["reference"] == submitted.reference
    assert received["application_url"] == f"http://recruit.test/applications/{submitted.id}"
    assert "(GMT)" in received["closes_at_text"] or "(BST)" in received["closes_at_text"]
    staff = {e.recipient: e.payload for e in emails if e.template == "new_application"}
    assert {p["full_name"] for p in staff.values()} == {"Rita Recruiter", "Sam Sifter"}
    assert all(
        p["application_url"] == f"http://recruit.test/admin/applications/{submitted.id}"
        for p in staff.values()
    )
    assert candidate.email not in staff


def test_submitted_application_cannot_be_reopened(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "submit", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    submitted = only_application(app)
    response = client.get(f"/vacancies/{vacancy.reference}/apply")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{submitted.id}")


def test_statement_word_limit(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    long = " ".join(["word"] * 21)
    for action in ("draft", "submit"):
        data = answers(vacancy, statement=long)
        response = post_apply(client, vacancy, action, data, cv=(pdf_bytes(), "cv.pdf"))
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "govuk-error-summary" in html
        assert "Supporting statement must be 20 words or fewer" in html
    exact = "\n".join(["word"] * 20) + "   \t "
    ok = post_apply(client, vacancy, "draft", answers(vacancy, statement=exact))
    assert ok.status_code == 302


def test_submit_requires_statement_essential_evidence_and_cv(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    essential, second = [c for c in vacancy.criteria if c.kind is CriterionKind.ESSENTIAL]
    (desirable,) = [c for c in vacancy.criteria if c.kind is CriterionKind.DESIRABLE]
    data = answers(vacancy, statement="  ")
    data[f"evidence_{second.id}"] = ""
    data[f"evidence_{desirable.id}"] = ""  # desirable evidence is optional
    # "Continue" keeps what was given as a draft; what is missing is listed on check answers.
    saved = post_apply(client, vacancy, "continue", data)
    assert saved.status_code == 302
    check = f"/vacancies/{vacancy.reference}/apply/check"
    assert saved.headers["Location"].endswith(check)
    page = client.get(check).get_data(as_text=True)
    # A send is refused all the same (the page offers none), and lists the same answers.
    refused = send_application(client, vacancy)
    assert refused.status_code == 400
    apply_url = f"/vacancies/{vacancy.reference}/apply"
    for html in (page, refused.get_data(as_text=True)):
        assert "There is a problem" in html and "Accept and send" not in html
        assert f'<a href="{apply_url}#statement">Enter your supporting statement</a>' in html
        assert f"Enter your evidence for: {second.text}" in html
        assert f'href="{apply_url}#evidence_{second.id}"' in html
        assert f"Enter your evidence for: {essential.text}" not in html
        assert f"Enter your evidence for: {desirable.text}" not in html
        assert f'<a href="{apply_url}#cv">Upload your CV</a>' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatusChange)) == 0
    draft = only_application(app)
    assert draft.status is ApplicationStatus.DRAFT and draft.submitted_at is None
    assert outbox(app) == []


def test_the_submitted_banner_is_never_shown_for_a_draft(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "draft", {"statement": "Not finished."})
    draft = only_application(app)
    confirmation = client.get(f"/applications/{draft.id}/submitted")
    assert confirmation.headers["Location"].endswith(f"/applications/{draft.id}")
    page = client.get(f"/applications/{draft.id}?submitted=1")
    assert page.status_code == 200
    assert "Application submitted" not in page.get_data(as_text=True)


def test_the_receipt_email_labels_both_references(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "submit", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    submitted = only_application(app)
    assert announce_submissions(app) == 1
    with app.app_context():
        row = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "application_received")
        ).one()
        message = build_message(row)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f"Your application reference: {submitted.reference}" in text
    assert f"Vacancy reference: {vacancy.reference}" in text
    assert f"Your application reference: <strong>{submitted.reference}</strong>" in html
    assert f"Vacancy reference: <strong>{vacancy.reference}</strong>" in html
    assert f"Vacancy reference: {submitted.reference}" not in text
