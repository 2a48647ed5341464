"""Numbers people type: the digits 0 to 9 or a clear message, and never a 500.

`str.isdigit()` is true for superscript and circled digits, which `int()` refuses; `int()`
accepts Arabic-Indic and fullwidth digits, which the pages do not ask for. Both kinds get the
field's message; `recruit.parsing.ascii_int` is the one rule behind every field.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import PanelAssignment, Vacancy
from recruit.parsing import MAX_DIGITS, MAX_ROW_ID, ascii_int, has_other_digits
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in
from tests.support.vacancies import vacancy_form

# Digits `isdigit()` accepts and `int()` refuses (the 500s), and digits `int()` reads silently.
REFUSED_BY_INT = ["²", "①", "¹²", "2⁰²⁶", "⑫"]
READ_BY_INT = ["٣", "٢٠٣٠", "３", "۱۲", "१२", "𝟏𝟐"]
OTHER_DIGITS = REFUSED_BY_INT + READ_BY_INT
NUMBER_FIELDS = ["statement_word_limit", "closing_day", "closing_month", "closing_year"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", 0),
        ("1200", 1200),
        (" 17 ", 17),
        ("007", 7),
        ("9" * MAX_DIGITS, int("9" * MAX_DIGITS)),
        ("9" * (MAX_DIGITS + 1), None),
        ("1" * 5000, None),  # int() itself refuses over 4,300 digits
        ("", None),
        (" ", None),
        ("-1", None),
        ("+1", None),
        ("1_000", None),
        ("1.0", None),
        ("1e3", None),
        (None, None),
        (12, None),
        *((digits, None) for digits in OTHER_DIGITS),
        *(("1" + digits, None) for digits in OTHER_DIGITS),
    ],
)
def test_ascii_int_reads_only_ascii_digits(raw: object, expected: int | None) -> None:
    assert ascii_int(raw) == expected


def test_ascii_int_keeps_to_a_maximum() -> None:
    assert ascii_int(str(MAX_ROW_ID), maximum=MAX_ROW_ID) == MAX_ROW_ID
    assert ascii_int(str(MAX_ROW_ID + 1), maximum=MAX_ROW_ID) is None


def test_other_digits_are_recognised_for_the_message() -> None:
    assert all(has_other_digits(raw) for raw in OTHER_DIGITS)
    assert has_other_digits("½") and has_other_digits("三")
    assert not any(has_other_digits(raw) for raw in ["1200", "lots", "", None])


@pytest.fixture
def recruiter_client(client: FlaskClient, make: Factory) -> FlaskClient:
    log_in(client, make.recruiter())
    return client


def vacancy_count(app: Flask) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Vacancy.id)).all())


@pytest.mark.parametrize("field", NUMBER_FIELDS)
def test_other_digits_in_a_vacancy_number_are_a_form_error(
    app: Flask, recruiter_client: FlaskClient, field: str
) -> None:
    what = "Statement word limit" if field == "statement_word_limit" else "Closing date"
    for digits in OTHER_DIGITS:
        form = vacancy_form(**{field: digits})
        response = submit(recruiter_client, "/admin/vacancies/new", form)
        assert response.status_code == 400, digits
        assert f"{what} must use the digits 0 to 9" in response.get_data(as_text=True), digits
    assert vacancy_count(app) == 0


@pytest.mark.parametrize("field", ["statement_word_limit", "closing_year"])
def test_a_five_thousand_digit_number_is_a_form_error(
    app: Flask, recruiter_client: FlaskClient, field: str
) -> None:
    response = submit(recruiter_client, "/admin/vacancies/new", vacancy_form(**{field: "1" * 5000}))
    assert response.status_code == 400
    assert vacancy_count(app) == 0


def test_a_year_too_large_for_a_date_is_a_form_error_not_a_logged_400(
    app: Flask, recruiter_client: FlaskClient
) -> None:
    response = submit(recruiter_client, "/admin/vacancies/new", vacancy_form(closing_year="9" * 12))
    assert response.status_code == 400
    assert "Closing date must be a real date" in response.get_data(as_text=True)


def test_a_closing_time_in_other_digits_is_a_form_error(
    app: Flask, recruiter_client: FlaskClient
) -> None:
    response = submit(recruiter_client, "/admin/vacancies/new", vacancy_form(closing_time="١٧:٠٠"))
    assert response.status_code == 400
    assert "Closing time must be a real time" in response.get_data(as_text=True)
    assert vacancy_count(app) == 0


def panel_size(app: Flask, vacancy_id: int) -> int:
    with app.app_context():
        query = select(PanelAssignment).where(PanelAssignment.vacancy_id == vacancy_id)
        return len(db.session.scalars(query).all())


def test_removing_a_panel_member_by_a_malformed_id_is_refused(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    panel = make.panel_member()
    make.assign_panel(vacancy.id, panel.id)
    log_in(client, make.team_recruiter(vacancy.id))
    url = f"/admin/vacancies/{vacancy.id}/team"
    remove = f"/admin/vacancies/{vacancy.id}/panel/remove"
    for raw in [*OTHER_DIGITS, "1" * 5000, str(2**31), str(2**63), "-1", " ", "1 2"]:
        response = submit(client, url, {"user_id": raw}, action=remove)
        assert response.status_code == 400, raw
        assert "Choose who to take off the panel" in response.get_data(as_text=True), raw
    assert panel_size(app, vacancy.id) == 1


@pytest.mark.parametrize("digit", ["٧", "７", "𝟕", "⁷"])
def test_ids_in_paths_take_the_digits_0_to_9_only(
    app: Flask, client: FlaskClient, make: Factory, digit: str
) -> None:
    vacancy = make.vacancy()
    candidate = make.candidate()
    application = make.application(candidate.id, vacancy.id)
    log_in(client, candidate)
    assert client.get(f"/applications/{application.id}").status_code == 200
    other = str(application.id).translate(str.maketrans("0123456789", _digits_like(digit)))
    assert other != str(application.id)
    assert client.get(f"/applications/{other}").status_code == 404
    assert client.get(f"/vacancies/{vacancy.reference}").status_code == 200


def _digits_like(sample: str) -> str:
    """The ten digits of the script `sample` (one digit seven) belongs to."""
    seven = ord(sample)
    return "".join(chr(seven - 7 + n) for n in range(10)) if sample != "⁷" else "⁰¹²³⁴⁵⁶⁷⁸⁹"
