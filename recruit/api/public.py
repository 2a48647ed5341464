"""Public endpoints: the published vacancies (JSON, cursor-paged, and Atom), themes and sectors.

They need no token and are limited per address. What they show is what the public website
shows: never a draft, never anything about applications.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response
from sqlalchemy import and_, or_
from sqlalchemy.orm import selectinload

from recruit import taxonomy
from recruit.api import cursor, etags, feeds
from recruit.api.auth import public
from recruit.api.blueprint import v1
from recruit.api.problems import ProblemError
from recruit.api.schemas import (
    PagedVacancyFilterSchema,
    TermListSchema,
    VacancyFilterSchema,
    VacancyPageSchema,
    VacancySchema,
)
from recruit.api.spec import arguments, doc, problems, response, route
from recruit.extensions import db
from recruit.models import Vacancy
from recruit.services import vacancy_search
from recruit.services.vacancy_search import VacancyQuery
from recruit.urls import external_url

FEED_SIZE = 50
TAGS = ["Vacancies"]


def vacancy_links(vacancy: Vacancy) -> dict[str, str]:
    """The vacancy in the API and on the website."""
    return {
        "self": external_url("api_v1.get_vacancy", reference=vacancy.reference),
        "html": external_url("portal.vacancy", reference=vacancy.reference),
    }


def vacancy_summary(vacancy: Vacancy, is_open: bool) -> dict[str, Any]:
    """A vacancy as the feed lists it."""
    return {
        "reference": vacancy.reference,
        "title": vacancy.title,
        "summary": vacancy.summary,
        "location": vacancy.location,
        "salary_band": vacancy.salary_band,
        "contract_type": vacancy.contract_type,
        "themes": vacancy.themes,
        "sectors": vacancy.sectors,
        "closes_at": vacancy.closes_at,
        "published_at": vacancy.published_at,
        "is_open": is_open,
        "links": vacancy_links(vacancy),
    }


def _query(filters: dict[str, Any]) -> VacancyQuery:
    return VacancyQuery(
        text=filters.get("q", ""), theme=filters.get("theme", ""), sector=filters.get("sector", "")
    )


def _after(position: list[Any]) -> Any:
    """Rows after (closes_at, id) in the feed's order, soonest closing first."""
    try:
        closes_at, last_id = datetime.fromisoformat(str(position[0])), int(position[1])
    except (IndexError, TypeError, ValueError):
        raise ProblemError(400, "The cursor is not one this API issued.") from None
    if closes_at.tzinfo is None:
        raise ProblemError(400, "The cursor is not one this API issued.")
    return or_(
        Vacancy.closes_at > closes_at, and_(Vacancy.closes_at == closes_at, Vacancy.id > last_id)
    )


@route(v1, "/vacancies", methods=["GET"], tags=TAGS)
@public(v1)
@arguments(v1, PagedVacancyFilterSchema, location="query", as_kwargs=True)
@response(v1, 200, VacancyPageSchema)
@problems(v1, 400)
def list_vacancies(limit: int, cursor_text: str = "", **filters: Any) -> dict[str, Any]:
    """Open vacancies, soonest closing first, filtered by theme, sector and words."""
    stmt = vacancy_search.open_vacancies(_query(filters))
    if cursor_text:
        stmt = stmt.where(_after(cursor.decode("vacancies", filters, cursor_text)))
    rows = list(
        db.session.scalars(
            stmt.options(selectinload(Vacancy.theme_tags), selectinload(Vacancy.sector_tags)).limit(
                limit + 1
            )
        )
    )
    page, paging = cursor.paged(
        "vacancies",
        "api_v1.list_vacancies",
        filters,
        rows,
        limit,
        lambda v: [v.closes_at.isoformat(), v.id],
    )
    return {"items": [vacancy_summary(v, True) for v in page], **paging}


@route(v1, "/vacancies/<reference>", methods=["GET"], tags=TAGS)
@public(v1)
@response(v1, 200, VacancySchema, headers=etags.ETAG_HEADER)
@problems(v1, 404)
def get_vacancy(reference: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """One published vacancy (open or closed), with its criteria; drafts are 404."""
    found = vacancy_search.find_public(reference, with_criteria=True)
    if found is None:
        raise ProblemError(404, "No published vacancy has this reference.")
    vacancy, is_open = found
    body = vacancy_summary(vacancy, is_open)
    body["description"] = vacancy.description
    body["criteria"] = [{"kind": c.kind.value, "text": c.text} for c in vacancy.criteria]
    return body, 200, etags.etag_header(body)


@route(v1, "/vacancies.atom", methods=["GET"], tags=TAGS)
@public(v1)
@arguments(v1, VacancyFilterSchema, location="query", as_kwargs=True)
@doc(
    v1,
    responses={
        "200": {
            "description": "An Atom 1.0 feed of the newest open vacancies",
            "content": {feeds.MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
def vacancies_feed(**filters: Any) -> Response:
    """The newest open vacancies as an Atom feed, with the same filters as the JSON feed."""
    stmt = (
        vacancy_search.open_vacancies(_query(filters))
        .order_by(None)
        .order_by(Vacancy.published_at.desc(), Vacancy.id.desc())
        .options(selectinload(Vacancy.theme_tags), selectinload(Vacancy.sector_tags))
        .limit(FEED_SIZE)
    )
    vacancies = list(db.session.scalars(stmt))
    self_url = external_url("api_v1.vacancies_feed", **filters)
    return Response(feeds.atom(vacancies, self_url), mimetype=feeds.MEDIA_TYPE)


@route(v1, "/themes", methods=["GET"], tags=["Taxonomy"])
@public(v1)
@response(v1, 200, TermListSchema)
def list_themes() -> dict[str, Any]:
    """The Midlands Engine themes a vacancy may carry."""
    return {"items": [{"slug": k, "name": v} for k, v in taxonomy.THEMES.items()]}


@route(v1, "/sectors", methods=["GET"], tags=["Taxonomy"])
@public(v1)
@response(v1, 200, TermListSchema)
def list_sectors() -> dict[str, Any]:
    """The sectors and clusters a vacancy may carry."""
    return {"items": [{"slug": k, "name": v} for k, v in taxonomy.SECTORS.items()]}
