"""Recruiter admin: creating, editing, publishing and closing vacancies, and the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from recruit.extensions import db
from recruit.formatting import uk_datetime
from recruit.models import (
    ApplicationStatus,
    Vacancy,
    VacancyStatus,
)
from recruit.services import vacancies
from recruit.services.vacancies import ClosingTimeError, uk_to_utc
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in
from tests.support.vacancies import FUTURE_YEAR, vacancy_form


def load_vacancy(app: Flask, vacancy_id: int | None = None) -> Vacancy:
    """A vacancy (the newest if no id) with its collections loaded, detached."""
    with app.app_context():
        query = select(Vacancy).order_by(Vacancy.id.desc())
        if vacancy_id is not None:
            query = query.where(Vacancy.id == vacancy_id)
        vacancy = db.session.scalars(query).first()
        assert vacancy is not None
        _ = (vacancy.criteria, vacancy.theme_tags, vacancy.sector_tags, vacancy.recruiters)
        db.session.expunge_all()
        return vacancy


def create(client: FlaskClient, **overrides: Any) -> TestResponse:
    return submit(client, "/admin/vacancies/new", vacancy_form(**overrides))


def test_create_saves_a_draft_with_uk_summer_time_converted_to_utc(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    recruiter = make.recruiter()
    log_in(client, recruiter)
    response = create(client)
    assert response.status_code == 302
    vacancy = load_vacancy(app)
    assert response.headers["Location"].endswith(f"/admin/vacancies/{vacancy.id}")
    assert vacancy.closes_at == datetime(FUTURE_YEAR, 7, 15, 16, 0, tzinfo=UTC)
    assert vacancy.status is VacancyStatus.DRAFT
    assert vacancy.reference == f"ME-{datetime.now(UTC).year}-0001"
    assert vacancy.title == "Head of Skills and Talent"
    assert vacancy.contract_type == "fixed-term"
    assert sorted(vacancy.themes) == ["innovation", "skills"]
    assert vacancy.sectors == ["medtech"]
    assert [c.text for c in vacancy.essential_criteria] == [
        "Led a regional skills programme",
        "Worked with universities",
    ]
    assert [c.text for c in vacancy.desirable_criteria] == ["Experience of apprenticeships"]
    assert vacancy.statement_word_limit == 1200
    assert vacancy.anonymised_sift is True
    assert [u.id for u in vacancy.recruiters] == [recruiter.id]
    assert vacancy.created_by_id == recruiter.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    shown = uk_datetime(vacancy.closes_at)
    assert shown.startswith("5:00pm on ") and shown.endswith(f"15 July {FUTURE_YEAR} (BST)")
    assert shown in page


def test_create_in_winter_keeps_gmt_and_references_are_sequential(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    log_in(client, make.recruiter())
    assert create(client).status_code == 302
    assert create(client, closing_day="12", closing_month="12").status_code == 302
    vacancy = load_vacancy(app)
    assert vacancy.closes_at == datetime(FUTURE_YEAR, 12, 12, 17, 0, tzinfo=UTC)
    assert vacancy.reference == f"ME-{datetime.now(UTC).year}-0002"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Enter a job title"),
        ({"essential_criteria": "  \n \n"}, "Enter at least one essential criterion"),
        ({"closing_day": "31", "closing_month": "2"}, "Closing date must be a real date"),
        ({"closing_month": "13"}, "Closing date must be a real date"),
        ({"closing_day": "x"}, "Closing date must be a real date"),
        ({"closing_month": ""}, "Closing date must include a month"),
        ({"closing_day": "", "closing_month": "", "closing_year": ""}, "Enter the closing date"),
        ({"closing_time": "25:00"}, "Closing time must be a real time"),
        ({"closing_time": ""}, "Enter a closing time, like 17:00"),
        ({"themes": []}, "Select at least one theme"),
        ({"statement_word_limit": "50"}, "Statement word limit must be between 100 and 3000"),
        ({"statement_word_limit": "lots"}, "Statement word limit must be a whole number"),
    ],
)
def test_create_rejects_invalid_input_with_a_message(
    app: Flask, client: FlaskClient, make: Factory, overrides: dict[str, Any], message: str
) -> None:
    log_in(client, make.recruiter())
    response = create(client, **overrides)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert message in page
    assert "<title>Error: " in page
    with app.app_context():
        assert db.session.scalar(select(Vacancy.id)) is None


def test_uk_time_gap_is_refused_and_overlap_takes_the_later_instant() -> None:
    with pytest.raises(ClosingTimeError, match="clocks go forward"):
        uk_to_utc(2030, 3, 31, 1, 30)  # clocks jump from 1:00 to 2:00 that morning
    assert uk_to_utc(2030, 10, 27, 1, 30) == datetime(2030, 10, 27, 1, 30, tzinfo=UTC)
    assert uk_to_utc(2030, 3, 31, 0, 59) == datetime(2030, 3, 31, 0, 59, tzinfo=UTC)
    assert uk_to_utc(2030, 3, 31, 2, 0) == datetime(2030, 3, 31, 1, 0, tzinfo=UTC)


def test_edit_changes_fields_and_prefills_uk_time(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    recruiter = make.recruiter()
    log_in(client, recruiter)
    create(client)
    vacancy = load_vacancy(app)
    url = f"/admin/vacancies/{vacancy.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="17:00"' in page and 'name="closing_day"' in page and "govuk-date-input" in page

    edited = vacancy_form(
        title="Head of Skills",
        essential_criteria="Led a regional skills programme\nWorked with universities\nNew one",
        closing_time="12:30",
    )
    response = submit(client, url, edited)
    assert response.status_code == 302
    after = load_vacancy(app, vacancy.id)
    assert after.title == "Head of Skills"
    assert after.closes_at == datetime(FUTURE_YEAR, 7, 15, 11, 30, tzinfo=UTC)
    assert [c.text for c in after.essential_criteria][-1] == "New one"
    kept = {c.id for c in vacancy.essential_criteria}
    assert kept <= {c.id for c in after.essential_criteria}, "rewording keeps criterion ids"


def test_edit_cannot_change_criteria_once_an_application_is_submitted(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    make.application(make.candidate().id, vacancy.id, ApplicationStatus.SUBMITTED)
    log_in(client, make.team_recruiter(vacancy.id))
    url = f"/admin/vacancies/{vacancy.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "the criteria can no longer be changed" in page
    assert 'name="essential_criteria"' not in page

    response = submit(client, url, vacancy_form(essential_criteria="Something else entirely"))
    assert response.status_code == 400
    assert "cannot be changed because applications have been submitted" in response.get_data(
        as_text=True
    )
    after = load_vacancy(app, vacancy.id)
    assert [c.text for c in after.essential_criteria] == [
        "Leadership of a regional transport programme"
    ]
    assert after.title == vacancy.title

    # Without criteria in the post (the locked form), other fields still save.
    data = vacancy_form(title="Director of Connectivity and Transport")
    del data["essential_criteria"], data["desirable_criteria"]
    assert submit(client, url, data).status_code == 302
    after = load_vacancy(app, vacancy.id)
    assert after.title == "Director of Connectivity and Transport"
    assert [c.id for c in after.criteria] == [c.id for c in vacancy.criteria]


def test_a_criterion_a_draft_has_answered_cannot_be_removed(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy(essential=("First", "Second"))
    make.application(make.candidate().id, vacancy.id, ApplicationStatus.DRAFT)
    log_in(client, make.team_recruiter(vacancy.id))
    url = f"/admin/vacancies/{vacancy.id}/edit"
    response = submit(client, url, vacancy_form(essential_criteria="First"))
    assert response.status_code == 400
    assert "cannot be removed because a candidate has started answering it" in response.get_data(
        as_text=True
    )
    assert len(load_vacancy(app, vacancy.id).essential_criteria) == 2


def publish(client: FlaskClient, vacancy_id: int) -> TestResponse:
    return submit(
        client, f"/admin/vacancies/{vacancy_id}", action=f"/admin/vacancies/{vacancy_id}/publish"
    )


def close(client: FlaskClient, vacancy_id: int) -> TestResponse:
    return submit(
        client, f"/admin/vacancies/{vacancy_id}", action=f"/admin/vacancies/{vacancy_id}/close"
    )


def test_publish_then_close_then_reopen_only_after_moving_the_closing_time(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    log_in(client, make.recruiter())
    create(client)
    vacancy = load_vacancy(app)
    assert publish(client, vacancy.id).status_code == 302
    assert load_vacancy(app, vacancy.id).status is VacancyStatus.PUBLISHED
    assert publish(client, vacancy.id).status_code == 400  # already published

    assert close(client, vacancy.id).status_code == 302
    closed = load_vacancy(app, vacancy.id)
    assert closed.status is VacancyStatus.CLOSED and closed.closed_at is not None
    assert close(client, vacancy.id).status_code == 400

    with app.app_context():
        row = db.session.get(Vacancy, vacancy.id)
        assert row is not None
        row.closes_at = datetime.now(UTC) - timedelta(hours=1)
        db.session.commit()
    response = publish(client, vacancy.id)
    assert response.status_code == 400
    assert "Move the closing time into the future" in response.get_data(as_text=True)
    assert load_vacancy(app, vacancy.id).status is VacancyStatus.CLOSED

    assert submit(client, f"/admin/vacancies/{vacancy.id}/edit", vacancy_form()).status_code == 302
    assert publish(client, vacancy.id).status_code == 302
    assert load_vacancy(app, vacancy.id).status is VacancyStatus.PUBLISHED


def test_publish_refuses_a_closing_time_in_the_past(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy(status=VacancyStatus.DRAFT, closes_in=timedelta(minutes=-5))
    log_in(client, make.team_recruiter(vacancy.id))
    response = publish(client, vacancy.id)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "The closing time must be in the future to publish this vacancy" in page
    assert load_vacancy(app, vacancy.id).status is VacancyStatus.DRAFT


def test_a_draft_cannot_be_closed(app: Flask, client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy(status=VacancyStatus.DRAFT)
    log_in(client, make.team_recruiter(vacancy.id))
    response = close(client, vacancy.id)
    assert response.status_code == 400
    assert "Only a published vacancy can be closed" in response.get_data(as_text=True)


def test_editing_a_published_vacancy_cannot_set_a_past_closing_time(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    log_in(client, make.team_recruiter(vacancy.id))
    past = vacancy_form(closing_year=str(datetime.now(UTC).year - 1))
    response = submit(client, f"/admin/vacancies/{vacancy.id}/edit", past)
    assert response.status_code == 400
    assert "must be in the future" in response.get_data(as_text=True)
    assert load_vacancy(app, vacancy.id).closes_at == vacancy.closes_at


def test_dashboard_shows_own_vacancies_with_counts_by_status(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    recruiter = make.recruiter()
    mine = make.vacancy(title="Director of Trade and Investment", recruiter_ids=(recruiter.id,))
    make.vacancy(title="Quality of Life Programme Lead")
    for status in (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.SHORTLISTED,
        ApplicationStatus.DRAFT,
    ):
        make.application(make.candidate().id, mine.id, status)
    log_in(client, recruiter)
    page = client.get("/admin/").get_data(as_text=True)
    assert "Director of Trade and Investment" in page
    assert "Quality of Life Programme Lead" not in page
    assert "Submitted: 2" in page and "Shortlisted: 1" in page and "Draft" not in page
    assert "3 in total" in page
    assert "govuk-table" in page and "govuk-tag" in page
    assert "(GMT)" in page or "(BST)" in page

    admin_client = app.test_client()
    log_in(admin_client, make.admin())
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "Director of Trade and Investment" in page and "Quality of Life Programme Lead" in page


def test_vacancy_list_and_detail(app: Flask, client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy(title="Head of MedTech Cluster Development", sectors=("medtech",))
    log_in(client, make.team_recruiter(vacancy.id))
    page = client.get("/admin/vacancies").get_data(as_text=True)
    assert "Head of MedTech Cluster Development" in page and vacancy.reference in page
    detail = client.get(f"/admin/vacancies/{vacancy.id}").get_data(as_text=True)
    assert "govuk-summary-list" in detail
    assert "MedTech (cluster)" in detail and "Connectivity" in detail
    assert "Leadership of a regional transport programme" in detail
    assert "Close vacancy now" in detail


def test_reference_skips_numbers_already_taken(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    year = datetime.now(UTC).year
    make.vacancy(reference=f"ME-{year}-0007")
    log_in(client, make.recruiter())
    assert create(client).status_code == 302
    assert load_vacancy(app).reference == f"ME-{year}-0008"


def test_a_reference_taken_meanwhile_is_retried_with_the_next_number(
    app: Flask, client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    year = datetime.now(UTC).year
    make.vacancy(reference=f"ME-{year}-0001")
    # Another recruiter's save lands between our lookup and our insert.
    offered = iter([f"ME-{year}-0001", f"ME-{year}-0002"])
    monkeypatch.setattr(vacancies, "next_reference", lambda _year: next(offered))
    log_in(client, make.recruiter())
    assert create(client).status_code == 302
    created = load_vacancy(app)
    assert created.reference == f"ME-{year}-0002"
    assert len(created.recruiters) == 1 and len(created.criteria) == 3


def test_closing_by_hand_tells_the_vacancys_recruiters_the_count(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    from recruit.models import OutboxMessage

    lead, colleague = make.recruiter(), make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(lead.id, colleague.id))
    for _ in range(2):
        make.application(make.candidate().id, vacancy.id)
    log_in(client, lead)
    assert close(client, vacancy.id).status_code == 302
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "vacancy_closed")
        ).all()
        assert sorted(r.recipient for r in rows) == sorted([lead.email, colleague.email])
        assert all(r.payload["count"] == 2 for r in rows)
