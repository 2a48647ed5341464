"""Retention settings: admins set the retention period and legal hold; every change is audited.

Numbers take the digits 0 to 9 like every other number input; bad input is a clear 400.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recruit.formatting import uk_datetime
from recruit.models import AuditEvent, Vacancy
from testkit.factories import Factory
from testkit.forms import submit
from tests.conftest import AppFactory
from tests.support.accounts import log_in
from tests.support.retention import build_purge_world
from tests.support.rows import rows, stored
from tests.support.vacancies import vacancy_form


@pytest.fixture
def admin_client(client: FlaskClient, make: Factory) -> FlaskClient:
    log_in(client, make.admin())
    return client


def settings_url(vacancy_id: int) -> str:
    return f"/admin/vacancies/{vacancy_id}/retention"


def test_new_vacancies_take_the_configured_retention_period(app_factory: AppFactory) -> None:
    app = app_factory(RETENTION_MONTHS=9)
    client = app.test_client()
    log_in(client, Factory(app).recruiter())
    response = submit(client, "/admin/vacancies/new", vacancy_form())
    assert response.status_code == 302
    [vacancy] = rows(app, Vacancy)
    assert vacancy.retention_months == 9


@pytest.mark.parametrize(
    ("months", "message"),
    [
        ("", "Enter a retention period in months"),
        ("0", "Retention period must be between 1 and 120 months"),
        ("121", "Retention period must be between 1 and 120 months"),
        ("six", "Retention period must be a whole number of months, like 6"),
        ("-3", "Retention period must be a whole number of months, like 6"),
        ("1" * 5000, "Retention period must be a whole number of months, like 6"),
        ("١٢", "Retention period must use the digits 0 to 9, like 6"),
        ("１２", "Retention period must use the digits 0 to 9, like 6"),
        ("¹²", "Retention period must use the digits 0 to 9, like 6"),
    ],
)
def test_a_bad_retention_period_is_a_clear_form_error(
    app: Flask, admin_client: FlaskClient, make: Factory, months: str, message: str
) -> None:
    vacancy = make.vacancy()
    form = {"retention_months": months, "legal_hold": "no", "legal_hold_reason": ""}
    response = submit(admin_client, settings_url(vacancy.id), form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(app, Vacancy, vacancy.id).retention_months == 6
    assert rows(app, AuditEvent) == []


def test_a_hold_needs_a_reason_and_an_answer(
    app: Flask, admin_client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    url = settings_url(vacancy.id)
    no_reason = submit(admin_client, url, {"retention_months": "6", "legal_hold": "yes"})
    assert no_reason.status_code == 400
    assert "Enter the reason for the legal hold" in no_reason.get_data(as_text=True)
    no_answer = submit(admin_client, url, {"retention_months": "6"})
    assert no_answer.status_code == 400
    assert "Select whether this vacancy is on legal hold" in no_answer.get_data(as_text=True)
    too_long = {"retention_months": "6", "legal_hold": "yes", "legal_hold_reason": "x" * 501}
    assert submit(admin_client, url, too_long).status_code == 400
    unreadable = {"retention_months": "6", "legal_hold": "yes", "legal_hold_reason": "\x00\x07 "}
    response = submit(admin_client, url, unreadable)
    assert response.status_code == 400
    assert "Enter the reason for the legal hold" in response.get_data(as_text=True)
    assert stored(app, Vacancy, vacancy.id).legal_hold is False


def test_an_admin_changes_the_period_and_the_hold_and_each_change_is_audited(
    app: Flask, admin_client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    url = settings_url(vacancy.id)
    placed = {"retention_months": "24", "legal_hold": "yes", "legal_hold_reason": "Claim 42"}
    assert submit(admin_client, url, placed).status_code == 302
    saved = stored(app, Vacancy, vacancy.id)
    assert (saved.retention_months, saved.legal_hold, saved.legal_hold_reason) == (
        24,
        True,
        "Claim 42",
    )
    page = admin_client.get(f"/admin/vacancies/{vacancy.id}").get_data(as_text=True)
    assert "24 months after closing" in page and "On hold" in page and "Claim 42" in page
    lifted = {"retention_months": "24", "legal_hold": "no", "legal_hold_reason": ""}
    assert submit(admin_client, url, lifted).status_code == 302
    assert stored(app, Vacancy, vacancy.id).legal_hold is False
    events = [(e.event, e.vacancy_id, e.detail) for e in rows(app, AuditEvent)]
    assert events == [
        ("retention.period_changed", vacancy.id, "6 to 24 months"),
        ("retention.hold_placed", vacancy.id, "Claim 42"),
        ("retention.hold_lifted", vacancy.id, "Hold was: Claim 42"),
    ]


def test_the_settings_show_the_next_purge_date(
    app: Flask, admin_client: FlaskClient, make: Factory
) -> None:
    world = build_purge_world(app, make, closed_ago=timedelta(days=2))
    page = admin_client.get(settings_url(world.vacancy_id)).get_data(as_text=True)
    assert "Next purge</dt>" in page and uk_datetime(world.due_at) in page
    listing = admin_client.get("/admin/retention").get_data(as_text=True)
    assert "Not while on hold" in listing and "Tribunal 1/2026" in listing


def test_recruiters_see_the_retention_but_cannot_change_it(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    log_in(client, make.recruiter())
    page = client.get(f"/admin/vacancies/{vacancy.id}").get_data(as_text=True)
    assert "Data retention" in page and "6 months after closing" in page
    assert settings_url(vacancy.id) not in page and "/admin/retention" not in page
    assert client.get("/admin/retention").status_code == 403
    assert client.get(settings_url(vacancy.id)).status_code == 403


def test_admins_find_the_retention_page_from_the_header(
    admin_client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/retention"' in page
    vacancy_page = admin_client.get(f"/admin/vacancies/{vacancy.id}").get_data(as_text=True)
    assert settings_url(vacancy.id) in vacancy_page
