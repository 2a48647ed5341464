"""The API's shapes (marshmallow), from which the OpenAPI document's schemas are generated."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from recruit import taxonomy

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
# PostgreSQL text cannot hold NUL: refused as bad input (422), never stored.
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="Must not hold a NUL character.")


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"format": "uri"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String(metadata={"format": "uri-reference"})
    errors = fields.Dict(metadata={"description": "Invalid parameters, by location and name"})
    required_scope = fields.String(
        validate=validate.OneOf(["read", "write"]),
        metadata={"description": "403: the token scope this needs"},
    )
    ask = fields.List(
        fields.String(),
        metadata={"description": "403 outside a vacancy's team: whom to ask to be added to it"},
    )


class TermSchema(Schema):
    """A theme or sector: its slug (for filters) and its name."""

    slug = fields.String(required=True)
    name = fields.String(required=True)


class TermListSchema(Schema):
    """Every theme or sector."""

    items = fields.List(fields.Nested(TermSchema), required=True)


class LinksSchema(Schema):
    """Where the resource lives: in the API and on the website."""

    self = fields.String(required=True, metadata={"format": "uri"})
    html = fields.String(required=True, metadata={"format": "uri"})


class VacancySummarySchema(Schema):
    """A published vacancy, as listed."""

    reference = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    location = fields.String(required=True)
    salary_band = fields.String(required=True)
    contract_type = fields.String(required=True)
    themes = fields.List(fields.String(), required=True)
    sectors = fields.List(fields.String(), required=True)
    closes_at = fields.AwareDateTime(required=True)
    published_at = fields.AwareDateTime(required=True, allow_none=True)
    is_open = fields.Boolean(required=True)
    links = fields.Nested(LinksSchema, required=True)


class CriterionSchema(Schema):
    """One advertised criterion."""

    kind = fields.String(required=True, validate=validate.OneOf(["essential", "desirable"]))
    text = fields.String(required=True)


class VacancySchema(VacancySummarySchema):
    """A published vacancy in full."""

    description = fields.String(required=True)
    criteria = fields.List(fields.Nested(CriterionSchema), required=True)


class PageLinksSchema(Schema):
    """The link to the next page, absent on the last."""

    next = fields.String(metadata={"format": "uri"})


class VacancyPageSchema(Schema):
    """One page of vacancies; follow `links.next` (or pass `next_cursor`) for the rest."""

    items = fields.List(fields.Nested(VacancySummarySchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
    links = fields.Nested(PageLinksSchema, required=True)


class VacancyFilterSchema(Schema):
    """Filters for the vacancies feed; all optional."""

    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Words that must all appear in the title, summary or text"},
    )
    theme = fields.String(validate=validate.OneOf(list(taxonomy.THEMES)))
    sector = fields.String(validate=validate.OneOf(list(taxonomy.SECTORS)))


class PagedVacancyFilterSchema(VacancyFilterSchema):
    """The feed's filters, a page size and the cursor from the previous page."""

    limit = fields.Integer(
        load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE)
    )
    cursor_text = fields.String(
        data_key="cursor",
        validate=validate.Length(max=500),
        metadata={"description": "Opaque: `next_cursor` from the previous page"},
    )


class TokenSchema(Schema):
    """The token making the request (never its secret)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True, metadata={"description": "The secret's first characters"})
    scope = fields.String(required=True, validate=validate.OneOf(["read", "write"]))
    created_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)


class MeSchema(Schema):
    """Who the token acts as, and the token itself."""

    user_id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(["recruiter", "admin"]))
    token = fields.Nested(TokenSchema, required=True)
