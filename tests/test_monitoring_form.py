"""The optional monitoring form: offered after submitting, owner only, once, never echoed."""

from __future__ import annotations

import hashlib
import hmac
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient

from recruit.models import ApplicationStatus, MonitoringResponse, Role
from recruit.monitoring.questions import QUESTIONS
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import log_in
from tests.support.monitoring import full_answers
from tests.support.rows import rows

STATEMENT = "never seen by anyone who assesses"


def setup(make: Factory, client: FlaskClient, status: ApplicationStatus) -> SimpleNamespace:
    owner = make.candidate()
    vacancy = make.vacancy()
    application = make.application(owner.id, vacancy.id, status)
    log_in(client, owner)
    return SimpleNamespace(owner=owner, vacancy=vacancy, application=application)


def test_a_submitted_application_offers_the_form_and_says_who_never_sees_it(
    app: Flask, make: Factory, client: FlaskClient
) -> None:
    world = setup(make, client, ApplicationStatus.SUBMITTED)
    page = client.get(f"/applications/{world.application.id}").get_data(as_text=True)
    assert "Answer the monitoring questions" in page
    assert f"/applications/{world.application.id}/monitoring" in page
    form = client.get(f"/applications/{world.application.id}/monitoring")
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert STATEMENT in html
    # Every question is asked, and each offers "Prefer not to say".
    for question in QUESTIONS:
        assert question.text.replace("’", "&#8217;")[:30] in html or question.text[:30] in html
    assert html.count('value="prefer-not-to-say"') == len(QUESTIONS)
    # The ethnicity question offers the 19 census groups, under their five headings.
    assert "Asian, Asian British or Asian Welsh" in html and "Gypsy or Irish Traveller" in html


def test_answers_are_stored_under_the_keyed_pseudonym_once_and_never_shown_back(
    app: Flask, make: Factory, client: FlaskClient
) -> None:
    world = setup(make, client, ApplicationStatus.SUBMITTED)
    url = f"/applications/{world.application.id}/monitoring"
    chosen = full_answers(ethnicity="white-roma", religion="sikh", age_band="35-44")
    second_tab = csrf_token_from(client.get(url).get_data(as_text=True))
    response = submit(client, url, chosen)
    assert response.status_code == 302
    stored = rows(app, MonitoringResponse)
    assert len(stored) == 1
    expected = hmac.new(
        b"test-monitoring-key-not-for-production",
        f"application:{world.application.id}".encode(),
        hashlib.sha256,
    ).hexdigest()
    assert stored[0].pseudonym == expected
    assert stored[0].answers == chosen
    # Afterwards the page only thanks them: no form, and none of the answers.
    thanks = client.get(url).get_data(as_text=True)
    assert "Thank you" in thanks and "<form" not in thanks.split("</header>", 1)[1]
    for label in ("Roma", "Sikh", "35 to 44"):
        assert label not in thanks
    page = client.get(f"/applications/{world.application.id}").get_data(as_text=True)
    assert "Thank you for answering" in page and "Roma" not in page
    # A second answer set, from a tab opened before, does not replace the first.
    replay = client.post(url, data={**full_answers(religion="jewish"), "csrf_token": second_tab})
    assert replay.status_code == 200 and "Thank you" in replay.get_data(as_text=True)
    assert [r.answers for r in rows(app, MonitoringResponse)] == [chosen]


def test_a_missing_answer_is_a_clear_error_and_stores_nothing(
    app: Flask, make: Factory, client: FlaskClient
) -> None:
    world = setup(make, client, ApplicationStatus.SUBMITTED)
    url = f"/applications/{world.application.id}/monitoring"
    partial = full_answers()
    del partial["disability"]
    response = submit(client, url, {**partial, "sex": "not-an-option"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert "Select whether you consider yourself to have a disability, or ‘Prefer not" in html
    assert html.count("govuk-error-message") == 2
    assert "Not a valid choice" in html
    assert rows(app, MonitoringResponse) == []


def test_only_the_owner_of_a_submitted_application_may_answer(
    app: Flask, make: Factory, client: FlaskClient
) -> None:
    world = setup(make, client, ApplicationStatus.DRAFT)
    url = f"/applications/{world.application.id}/monitoring"
    assert client.get(url).status_code == 404, "a draft has nothing to monitor"
    page = client.get(f"/applications/{world.application.id}").get_data(as_text=True)
    assert "monitoring questions" not in page
    submitted = make.application(make.candidate().id, world.vacancy.id)
    assert client.get(f"/applications/{submitted.id}/monitoring").status_code == 404
    for role in (Role.RECRUITER, Role.ADMIN, Role.EQUALITY):
        staff = app.test_client()
        log_in(staff, make.user(role))
        assert staff.get(f"/applications/{submitted.id}/monitoring").status_code == 403
    assert app.test_client().get(url).status_code == 302  # anonymous: to the login page
