"""The shapes of applications in the API: identity only where the anonymised sift allows it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from recruit.api.schemas import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageLinksSchema
from recruit.models import ApplicationStatus

# Drafts are the candidate's own work: the API, like the board, never lists one.
LISTED_STATUSES = [s.value for s in ApplicationStatus if s is not ApplicationStatus.DRAFT]


class CandidateSchema(Schema):
    """Who applied: the candidate number always; name and email only once identity is visible."""

    number = fields.String(required=True)
    identity_visible = fields.Boolean(required=True)
    full_name = fields.String(required=True, allow_none=True)
    email = fields.String(required=True, allow_none=True, metadata={"format": "email"})


class VacancyRefSchema(Schema):
    """The vacancy an application is for."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)


class ApplicationLinksSchema(Schema):
    """Where the application lives: in the API and on the staff pages."""

    self = fields.String(required=True, metadata={"format": "uri"})
    html = fields.String(required=True, metadata={"format": "uri"})


class ApplicationSummarySchema(Schema):
    """An application as listed."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(LISTED_STATUSES))
    submitted_at = fields.AwareDateTime(required=True, allow_none=True)
    on_longlist = fields.Boolean(required=True)
    on_shortlist = fields.Boolean(required=True)
    vacancy = fields.Nested(VacancyRefSchema, required=True)
    candidate = fields.Nested(CandidateSchema, required=True)
    links = fields.Nested(ApplicationLinksSchema, required=True)


class EvidenceSchema(Schema):
    """The candidate's evidence against one criterion."""

    criterion_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["essential", "desirable"]))
    criterion = fields.String(required=True)
    text = fields.String(required=True)


class ApplicationSchema(ApplicationSummarySchema):
    """An application in full: the supporting statement and the evidence."""

    statement = fields.String(required=True)
    evidence = fields.List(fields.Nested(EvidenceSchema), required=True)


class ApplicationPageSchema(Schema):
    """One page of applications, oldest id first; follow `links.next` for the rest."""

    items = fields.List(fields.Nested(ApplicationSummarySchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
    links = fields.Nested(PageLinksSchema, required=True)


class ApplicationFilterSchema(Schema):
    """Filters for the applications list; all optional."""

    vacancy_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    status = fields.String(validate=validate.OneOf(LISTED_STATUSES))
    limit = fields.Integer(
        load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE)
    )
    cursor_text = fields.String(
        data_key="cursor",
        validate=validate.Length(max=500),
        metadata={"description": "Opaque: `next_cursor` from the previous page"},
    )
