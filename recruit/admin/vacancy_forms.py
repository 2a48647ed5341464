"""The vacancy form: create and edit a vacancy, its criteria and its UK closing time."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, ValidationError

from recruit.admin.fields import bounded_whole_number, options
from recruit.models import Vacancy
from recruit.parsing import ascii_int, has_other_digits
from recruit.services.vacancies import ClosingTimeError, VacancyData, uk_to_utc, utc_to_uk
from recruit.taxonomy import CONTRACT_TYPES, SECTORS, THEMES

# re.ASCII: `\d` would otherwise match every script's digits; times take 0-9 like every number.
TIME_RE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$", re.ASCII)
MAX_CRITERIA = 20
CRITERION_CHARS = 500


def criteria_lines(text: str | None) -> list[str]:
    """One criterion per non-blank line, trimmed."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _check_criteria(label: str, text: str | None) -> None:
    lines = criteria_lines(text)
    if len(lines) > MAX_CRITERIA:
        raise ValidationError(f"Enter no more than {MAX_CRITERIA} {label} criteria")
    if any(len(line) > CRITERION_CHARS for line in lines):
        raise ValidationError(
            f"Each {label} criterion must be {CRITERION_CHARS} characters or fewer"
        )


def _checked_int(field: Field) -> int:
    """The number in a field that validation has already accepted."""
    number = ascii_int(field.data)
    assert number is not None  # the field's validator refused anything else
    return number


class VacancyForm(FlaskForm):  # type: ignore[misc]
    """Create or edit a vacancy; the closing time is entered in UK local time."""

    title = StringField(
        "Job title",
        validators=[
            InputRequired("Enter a job title"),
            Length(max=200, message="Job title must be 200 characters or fewer"),
        ],
    )
    summary = TextAreaField(
        "Summary",
        validators=[
            InputRequired("Enter a summary"),
            Length(max=600, message="Summary must be 600 characters or fewer"),
        ],
    )
    description = TextAreaField(
        "Full description", validators=[InputRequired("Enter a full description")]
    )
    location = StringField(
        "Location",
        validators=[
            InputRequired("Enter a location"),
            Length(max=200, message="Location must be 200 characters or fewer"),
        ],
    )
    salary_band = StringField(
        "Salary band",
        validators=[
            InputRequired("Enter a salary band"),
            Length(max=100, message="Salary band must be 100 characters or fewer"),
        ],
    )
    contract_type = SelectField(
        "Contract type",
        choices=options(CONTRACT_TYPES),
        default="permanent",
        validators=[InputRequired("Select a contract type")],
    )
    themes = SelectMultipleField(
        "Themes",
        choices=options(THEMES),
        validators=[InputRequired("Select at least one theme")],
    )
    sectors = SelectMultipleField("Sectors and clusters", choices=options(SECTORS))
    essential_criteria = TextAreaField("Essential criteria")
    desirable_criteria = TextAreaField("Desirable criteria")
    statement_word_limit = StringField("Supporting statement word limit", default="1000")
    anonymised_sift = BooleanField("Sift applications anonymously")
    closing_day = StringField("Day")
    closing_month = StringField("Month")
    closing_year = StringField("Year")
    closing_time = StringField("Closing time", default="17:00")

    closes_at: datetime | None = None

    def validate_essential_criteria(self, field: Field) -> None:
        """At least one essential criterion, one per line."""
        if not criteria_lines(field.data):
            raise ValidationError("Enter at least one essential criterion")
        _check_criteria("essential", field.data)

    def validate_desirable_criteria(self, field: Field) -> None:
        """Desirable criteria are optional, one per line."""
        _check_criteria("desirable", field.data)

    def validate_statement_word_limit(self, field: Field) -> None:
        """A whole number of words between 100 and 3000."""
        bounded_whole_number(field.data, "Statement word limit", 100, 3000, example=1000)

    def validate_closing_time(self, field: Field) -> None:
        """A 24-hour time like 17:00."""
        if not (field.data or "").strip():
            raise ValidationError("Enter a closing time, like 17:00")
        match = TIME_RE.match(field.data)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValidationError("Closing time must be a real time in 24-hour format, like 17:00")

    def _check_date_parts(self) -> bool:
        # Runs after every field has validated: field validation resets each field's errors,
        # so messages added to the month or year from another field's validator would be lost.
        parts = [self.closing_day, self.closing_month, self.closing_year]
        missing = [p for p in parts if not (p.data or "").strip()]
        if len(missing) == len(parts):
            self.closing_day.errors.append("Enter the closing date")
            return False
        for part in missing:
            part.errors.append(f"Closing date must include a {part.label.text.lower()}")
        if missing:
            return False
        day, month, year = (ascii_int(p.data) for p in parts)
        real = False
        if day is not None and month is not None and year is not None:
            try:
                real = 2000 <= date(year, month, day).year <= 2100
            except (ValueError, OverflowError):  # OverflowError: a year beyond a C int
                real = False
        if any(has_other_digits(p.data) for p in parts):
            self.closing_day.errors.append("Closing date must use the digits 0 to 9")
        elif not real:
            self.closing_day.errors.append("Closing date must be a real date")
        return real

    def validate(self, extra_validators: Any = None) -> bool:
        """Run the field checks, then turn the UK date and time into a UTC instant."""
        fields_ok = super().validate(extra_validators)
        date_ok = self._check_date_parts()
        if not (fields_ok and date_ok):
            return False
        match = TIME_RE.match(self.closing_time.data)
        assert match is not None  # validate_closing_time has passed
        try:
            self.closes_at = uk_to_utc(
                _checked_int(self.closing_year),
                _checked_int(self.closing_month),
                _checked_int(self.closing_day),
                int(match[1]),
                int(match[2]),
            )
        except ClosingTimeError as problem:
            target = self.closing_day if problem.part == "day" else self.closing_time
            target.errors.append(str(problem))
            return False
        return True

    def to_data(self) -> VacancyData:
        """The validated input, ready for the vacancies service."""
        assert self.closes_at is not None
        return VacancyData(
            title=self.title.data,
            summary=self.summary.data,
            description=self.description.data,
            location=self.location.data,
            salary_band=self.salary_band.data,
            contract_type=self.contract_type.data,
            closes_at=self.closes_at,
            themes=list(self.themes.data),
            sectors=list(self.sectors.data or []),
            essential=criteria_lines(self.essential_criteria.data),
            desirable=criteria_lines(self.desirable_criteria.data),
            statement_word_limit=_checked_int(self.statement_word_limit),
            anonymised_sift=bool(self.anonymised_sift.data),
        )

    @staticmethod
    def data_from(vacancy: Vacancy) -> dict[str, Any]:
        """Initial values for editing `vacancy`, with the closing time shown in UK time."""
        local = utc_to_uk(vacancy.closes_at)
        return {
            "title": vacancy.title,
            "summary": vacancy.summary,
            "description": vacancy.description,
            "location": vacancy.location,
            "salary_band": vacancy.salary_band,
            "contract_type": vacancy.contract_type,
            "themes": vacancy.themes,
            "sectors": vacancy.sectors,
            "essential_criteria": "\n".join(c.text for c in vacancy.essential_criteria),
            "desirable_criteria": "\n".join(c.text for c in vacancy.desirable_criteria),
            "statement_word_limit": str(vacancy.statement_word_limit),
            "anonymised_sift": vacancy.anonymised_sift,
            "closing_day": str(local.day),
            "closing_month": str(local.month),
            "closing_year": str(local.year),
            "closing_time": f"{local:%H:%M}",
        }


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """A button-only form (publish, close): carries the CSRF token and any form-level error."""
