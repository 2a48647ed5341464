"""The apply journey: "Continue" saves, "Check your answers" with change links, "Accept and
send" submits the saved draft, the confirmation, and withdrawing from the application page."""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient

from recruit.formatting import uk_datetime
from recruit.models import ApplicationStatus, StatusChange
from testkit.documents import pdf_bytes
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in
from tests.support.portal import (
    announce_submissions,
    answers,
    post_apply,
    send_application,
    set_closed,
)
from tests.support.rows import only_application, outbox, rows


def check_url(vacancy: SimpleNamespace) -> str:
    """The check-answers page of `vacancy`."""
    return f"/vacancies/{vacancy.reference}/apply/check"


def continue_with(
    client: FlaskClient, vacancy: SimpleNamespace, data: dict[str, object], cv: bool = True
) -> None:
    """Press "Continue" on the form; it must save and lead to the check-answers page."""
    response = post_apply(
        client, vacancy, "continue", data, cv=(pdf_bytes(), "My CV.pdf") if cv else None
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(check_url(vacancy))


def test_the_form_continues_to_check_answers_and_saves_a_draft_as_it_goes(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    form = client.get(f"/vacancies/{vacancy.reference}/apply").get_data(as_text=True)
    assert 'name="action" value="continue">Continue</button>' in form
    assert "Save as draft" in form and "Submit application" not in form
    continue_with(client, vacancy, answers(vacancy))
    draft = only_application(app)
    assert draft.status is ApplicationStatus.DRAFT and draft.cv_file is not None
    assert outbox(app) == []  # nothing is sent until "Accept and send"


def test_check_answers_shows_every_answer_with_a_change_link_to_its_field(
    client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    continue_with(client, vacancy, answers(vacancy, adjustments="Extra time, please."))
    page = client.get(check_url(vacancy)).get_data(as_text=True)
    form = client.get(f"/vacancies/{vacancy.reference}/apply").get_data(as_text=True)
    assert "Check your answers before sending your application" in page
    assert "I have led regional growth programmes." in page and "My CV.pdf" in page
    assert "Extra time, please." in page
    for criterion in vacancy.criteria:
        assert f"My evidence for {criterion.text}" in page
    targets = re.findall(rf'href="/vacancies/{vacancy.reference}/apply#([\w-]+)">Change<span', page)
    expected = ["statement", *(f"evidence_{c.id}" for c in vacancy.criteria)]
    assert targets == [*expected, "cv", "adjustments", "guaranteed_interview"]
    for target in targets:
        assert f'id="{target}"' in form, target  # each link lands on its own field
    assert "By sending this application you are confirming" in page
    assert ">Accept and send</button>" in page


def test_accept_and_send_submits_and_confirms_with_the_reference_and_timetable(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    continue_with(client, vacancy, answers(vacancy))
    response = send_application(client, vacancy)
    application = only_application(app)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{application.id}/submitted")
    assert application.status is ApplicationStatus.SUBMITTED
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="govuk-panel govuk-panel--confirmation"' in page
    assert "Application submitted" in page and application.reference in page
    assert "We have emailed you a confirmation" in page
    # True: the send's own transaction holds the submission notice, from which the worker
    # queues the confirmation to the candidate.
    assert announce_submissions(app) == 1
    [confirmation] = outbox(app, "application_received")
    assert confirmation.recipient == candidate.email
    assert "What happens next" in page
    assert uk_datetime(vacancy.closes_at) in page
    assert uk_datetime(application.submitted_at) in page


def test_a_page_with_the_old_submit_button_saves_and_goes_to_check_answers(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    url = f"/vacancies/{vacancy.reference}/apply"
    response = submit(client, url, dict(answers(vacancy), action="submit"))
    assert response.headers["Location"].endswith(check_url(vacancy))
    assert only_application(app).status is ApplicationStatus.DRAFT


def test_missing_answers_are_listed_and_the_send_is_refused(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    continue_with(client, vacancy, {"statement": ""}, cv=False)
    page = client.get(check_url(vacancy)).get_data(as_text=True)
    assert "There is a problem" in page and "Accept and send" not in page
    apply_url = f"/vacancies/{vacancy.reference}/apply"
    assert f'<a href="{apply_url}#statement">Enter your supporting statement</a>' in page
    assert f'<a href="{apply_url}#cv">Upload your CV</a>' in page
    for criterion in vacancy.criteria:
        message = f"Enter your evidence for: {criterion.text}"
        assert (message in page) is (criterion.kind.value == "essential")
    refused = send_application(client, vacancy)
    assert refused.status_code == 400
    assert only_application(app).status is ApplicationStatus.DRAFT
    assert outbox(app) == [] and rows(app, StatusChange) == []


def test_a_send_after_closing_is_refused_and_the_draft_kept(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    continue_with(client, vacancy, answers(vacancy))
    set_closed(app, vacancy.id)
    assert "This vacancy has closed" in client.get(check_url(vacancy)).get_data(as_text=True)
    refused = send_application(client, vacancy)
    assert refused.status_code == 400
    assert "This vacancy closed at" in refused.get_data(as_text=True)
    assert only_application(app).status is ApplicationStatus.DRAFT
    assert outbox(app) == []


def test_check_answers_without_a_draft_leads_to_the_form(
    client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    response = client.get(check_url(vacancy))
    assert response.headers["Location"].endswith(f"/vacancies/{vacancy.reference}/apply")


def test_after_sending_the_form_and_check_answers_lead_to_the_application(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    continue_with(client, vacancy, answers(vacancy))
    send_application(client, vacancy)
    application = only_application(app)
    for url in (check_url(vacancy), f"/vacancies/{vacancy.reference}/apply"):
        response = client.get(url)
        assert response.headers["Location"].endswith(f"/applications/{application.id}")


def test_the_confirmation_is_only_for_the_owners_submitted_application(
    app: Flask, client: FlaskClient, make: Factory, vacancy: SimpleNamespace
) -> None:
    owner, other = make.candidate(), make.candidate()
    sent = make.application(owner.id, vacancy.id)
    draft = make.application(other.id, vacancy.id, status=ApplicationStatus.DRAFT)
    log_in(client, other)
    assert client.get(f"/applications/{sent.id}/submitted").status_code == 404
    response = client.get(f"/applications/{draft.id}/submitted")
    assert response.headers["Location"].endswith(f"/applications/{draft.id}")


def test_withdraw_is_on_the_application_page_behind_its_own_confirmation(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    continue_with(client, vacancy, answers(vacancy))
    send_application(client, vacancy)
    application = only_application(app)
    mine = client.get("/applications").get_data(as_text=True)
    assert f'href="/applications/{application.id}"' in mine
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    withdraw_url = f"/applications/{application.id}/withdraw"
    assert f'href="{withdraw_url}"' in page
    confirm = client.get(withdraw_url).get_data(as_text=True)
    assert "Are you sure you want to withdraw your application?" in confirm
    assert only_application(app).status is ApplicationStatus.SUBMITTED  # asking changes nothing
    response = submit(client, withdraw_url, {"reason": ""})
    assert response.headers["Location"].endswith(f"/applications/{application.id}")
    assert only_application(app).status is ApplicationStatus.WITHDRAWN
