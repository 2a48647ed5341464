"""The shapes of vacancies as their team manages them: what a write takes and what it answers.

The rules are the staff form's (`recruit.admin.vacancy_forms`): the same lengths, at least one
theme and one essential criterion, at most 20 criteria of 500 characters, a statement limit of
100 to 3000 words and a closing time between the years 2000 and 2100. Text may not be blank
nor hold a NUL character (no database stores one).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from recruit import taxonomy
from recruit.admin.vacancy_forms import CRITERION_CHARS, MAX_CRITERIA
from recruit.api.schemas import CriterionSchema

DESCRIPTION_CHARS = 20000
FIRST_YEAR, LAST_YEAR = 2000, 2100
STATUSES = ["draft", "published", "closed"]
# Not blank (some non-space character) and no NUL anywhere.
TEXT_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"


def _text(max_chars: int, **options: Any) -> fields.String:
    return fields.String(
        validate=[
            validate.Length(min=1, max=max_chars),
            validate.Regexp(TEXT_PATTERN, error="Must not be blank nor hold a NUL character."),
        ],
        **options,
    )


class ClosingTime(fields.AwareDateTime):
    """An instant with its offset (RFC 3339), kept in UTC, between the years 2000 and 2100."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        try:
            instant = parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError("Not a possible instant.") from None
        if not FIRST_YEAR <= instant.year < LAST_YEAR:
            raise ValidationError(f"Must fall in the years {FIRST_YEAR} to {LAST_YEAR - 1}.")
        return instant


def _criteria(minimum: int) -> fields.List[Any]:
    return fields.List(
        _text(CRITERION_CHARS),
        validate=validate.Length(min=minimum, max=MAX_CRITERIA),
    )


class VacancyPatchSchema(Schema):
    """A change to a vacancy: any of its fields; those left out keep their values."""

    title = _text(200)
    summary = _text(600)
    description = _text(DESCRIPTION_CHARS)
    location = _text(200)
    salary_band = _text(100)
    contract_type = fields.String(validate=validate.OneOf(list(taxonomy.CONTRACT_TYPES)))
    themes = fields.List(
        fields.String(validate=validate.OneOf(list(taxonomy.THEMES))),
        validate=validate.Length(min=1, max=len(taxonomy.THEMES)),
    )
    sectors = fields.List(
        fields.String(validate=validate.OneOf(list(taxonomy.SECTORS))),
        validate=validate.Length(max=len(taxonomy.SECTORS)),
    )
    essential = _criteria(1)
    desirable = _criteria(0)
    statement_word_limit = fields.Integer(validate=validate.Range(min=100, max=3000))
    anonymised_sift = fields.Boolean()
    closes_at = ClosingTime(
        metadata={"description": f"When applications close (years {FIRST_YEAR} to {LAST_YEAR - 1})"}
    )


class VacancyInputSchema(VacancyPatchSchema):
    """A new vacancy, saved as a draft: everything but sectors, desirable criteria, the word
    limit (1000) and the anonymised sift (off) is required."""

    title = _text(200, required=True)
    summary = _text(600, required=True)
    description = _text(DESCRIPTION_CHARS, required=True)
    location = _text(200, required=True)
    salary_band = _text(100, required=True)
    contract_type = fields.String(
        required=True, validate=validate.OneOf(list(taxonomy.CONTRACT_TYPES))
    )
    themes = fields.List(
        fields.String(validate=validate.OneOf(list(taxonomy.THEMES))),
        required=True,
        validate=validate.Length(min=1, max=len(taxonomy.THEMES)),
    )
    essential = fields.List(
        _text(CRITERION_CHARS), required=True, validate=validate.Length(min=1, max=MAX_CRITERIA)
    )
    closes_at = ClosingTime(
        required=True,
        metadata={
            "description": f"When applications close (years {FIRST_YEAR} to {LAST_YEAR - 1})"
        },
    )


class ManagedVacancyLinksSchema(Schema):
    """Where the vacancy lives: here, on the staff pages and (once published) publicly."""

    self = fields.String(required=True, metadata={"format": "uri"})
    html = fields.String(required=True, metadata={"format": "uri"})
    public = fields.String(required=True, allow_none=True, metadata={"format": "uri"})


class ManagedVacancySchema(Schema):
    """A vacancy as its team sees it, drafts included."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    title = fields.String(required=True)
    summary = fields.String(required=True)
    description = fields.String(required=True)
    location = fields.String(required=True)
    salary_band = fields.String(required=True)
    contract_type = fields.String(required=True)
    themes = fields.List(fields.String(), required=True)
    sectors = fields.List(fields.String(), required=True)
    criteria = fields.List(fields.Nested(CriterionSchema), required=True)
    criteria_locked = fields.Boolean(
        required=True,
        metadata={"description": "Criteria are fixed once an application has been submitted"},
    )
    statement_word_limit = fields.Integer(required=True)
    anonymised_sift = fields.Boolean(required=True)
    closes_at = fields.AwareDateTime(required=True)
    published_at = fields.AwareDateTime(required=True, allow_none=True)
    closed_at = fields.AwareDateTime(required=True, allow_none=True)
    links = fields.Nested(ManagedVacancyLinksSchema, required=True)
