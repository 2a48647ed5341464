"""'Close vacancy now' goes through a page that says what closing does, with Cancel."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from recruit.extensions import db
from recruit.models import ApplicationStatus, Vacancy, VacancyStatus
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in

S = ApplicationStatus


def words(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_confirmation_says_what_closing_does_and_to_how_many(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    lead = make.recruiter(full_name="Rhian Lead")
    vacancy = make.vacancy(recruiter_ids=(lead.id,))
    for status in (S.SUBMITTED, S.UNDER_REVIEW, S.WITHDRAWN, S.DRAFT, S.DRAFT):
        make.application(make.candidate().id, vacancy.id, status)
    log_in(client, lead)
    page = client.get(f"/admin/vacancies/{vacancy.id}").get_data(as_text=True)
    close_url = f"/admin/vacancies/{vacancy.id}/close"
    assert f'href="{close_url}">Close vacancy now</a>' in page, "a link to the confirmation"
    assert f'action="{close_url}"' not in page, "no one-click close on the vacancy page"
    html = client.get(close_url).get_data(as_text=True)
    text = words(html)
    assert "Are you sure you want to close this vacancy now?" in text
    assert "the 2 applications already received stay" in text, "withdrawn ones are not counted"
    assert "recruiter (Rhian Lead) is emailed" in text
    assert "candidates are not emailed" in text
    assert "2 candidates with an unsubmitted draft will not be able to submit it" in text
    assert f'href="/admin/vacancies/{vacancy.id}">Cancel</a>' in html
    with app.app_context():
        found = db.session.get(Vacancy, vacancy.id)
        assert found is not None and found.status is VacancyStatus.PUBLISHED, "GET changes nothing"
    assert submit(client, close_url).status_code == 302
    with app.app_context():
        found = db.session.get(Vacancy, vacancy.id)
        assert found is not None and found.status is VacancyStatus.CLOSED


def test_only_the_team_and_admins_reach_the_confirmation(
    client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    log_in(client, make.recruiter())
    assert client.get(f"/admin/vacancies/{vacancy.id}/close").status_code == 403
    assert client.get("/admin/vacancies/999999/close").status_code == 404


def test_a_closed_vacancy_cannot_be_closed_again(client: FlaskClient, make: Factory) -> None:
    lead = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(lead.id,), status=VacancyStatus.CLOSED)
    log_in(client, lead)
    html = client.get(f"/admin/vacancies/{vacancy.id}/close").get_data(as_text=True)
    assert "cannot be closed" in html and "<form" not in html.split("<main", 1)[1]
