"""Vacancies as their team manages them, with a write token: create (a draft), read, update,
publish and close.

The rules are the staff pages' own: `recruit.services.vacancies` makes every change (it never
commits; the view does), `recruit.services.access` says who may (any recruiter or admin reads a
vacancy, drafts too; only an admin or one of its team's recruiters changes it), and an admin
outside the team is audited as on the pages. Every change takes `If-Match` with the ETag read,
compared with the row locked, so of two changes made from the same ETag one gets a 412.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from recruit.api import etags, idempotency
from recruit.api.access import check_may_manage, lock_vacancy, readable_vacancy, vacancy_loads
from recruit.api.auth import authenticated, current_api_user
from recruit.api.blueprint import v1
from recruit.api.problems import ProblemError
from recruit.api.spec import arguments, problems, response, route
from recruit.api.vacancy_schemas import ManagedVacancySchema, VacancyInputSchema, VacancyPatchSchema
from recruit.extensions import db
from recruit.models import Vacancy, VacancyStatus
from recruit.services import vacancies
from recruit.services.vacancies import VacancyData
from recruit.urls import external_url

TAGS = ["Managing vacancies"]
RULE = "/staff/vacancies/<int:vacancy_id>"
CRITERIA = ("essential", "desirable")


def managed_vacancy(vacancy: Vacancy) -> dict[str, Any]:
    """The vacancy as its team sees it: the representation its ETag is made from."""
    published = vacancy.status is not VacancyStatus.DRAFT
    return {
        "id": vacancy.id,
        "reference": vacancy.reference,
        "status": vacancy.status.value,
        "title": vacancy.title,
        "summary": vacancy.summary,
        "description": vacancy.description,
        "location": vacancy.location,
        "salary_band": vacancy.salary_band,
        "contract_type": vacancy.contract_type,
        "themes": sorted(vacancy.themes),
        "sectors": sorted(vacancy.sectors),
        "criteria": [{"kind": c.kind.value, "text": c.text} for c in vacancy.criteria],
        "criteria_locked": vacancies.criteria_locked(vacancy),
        "statement_word_limit": vacancy.statement_word_limit,
        "anonymised_sift": vacancy.anonymised_sift,
        "closes_at": vacancy.closes_at,
        "published_at": vacancy.published_at,
        "closed_at": vacancy.closed_at,
        "links": {
            "self": external_url("api_v1.get_staff_vacancy", vacancy_id=vacancy.id),
            "html": external_url("admin.vacancy", vacancy_id=vacancy.id),
            "public": (
                external_url("api_v1.get_vacancy", reference=vacancy.reference)
                if published
                else None
            ),
        },
    }


def _answer(vacancy_id: int, status: int = 200) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The vacancy as stored now, with its ETag (and, when made, its Location)."""
    db.session.expire_all()
    vacancy = db.session.get(Vacancy, vacancy_id, options=vacancy_loads())
    assert vacancy is not None  # just written, or just read, in this request
    body = managed_vacancy(vacancy)
    headers = etags.etag_header(body)
    if status == 201:
        headers["Location"] = body["links"]["self"]
    return body, status, headers


def _data(vacancy: Vacancy, changes: dict[str, Any]) -> VacancyData:
    """The vacancy's current fields with `changes` laid over them."""
    current: dict[str, Any] = {
        "title": vacancy.title,
        "summary": vacancy.summary,
        "description": vacancy.description,
        "location": vacancy.location,
        "salary_band": vacancy.salary_band,
        "contract_type": vacancy.contract_type,
        "closes_at": vacancy.closes_at,
        "themes": vacancy.themes,
        "sectors": vacancy.sectors,
        "essential": [c.text for c in vacancy.essential_criteria],
        "desirable": [c.text for c in vacancy.desirable_criteria],
        "statement_word_limit": vacancy.statement_word_limit,
        "anonymised_sift": vacancy.anonymised_sift,
    }
    return VacancyData(**{**current, **_trimmed(changes)})


def _trimmed(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields with each criterion trimmed, as the staff form trims its lines."""
    criteria = {
        kind: [text.strip() for text in fields[kind]] for kind in CRITERIA if kind in fields
    }
    return {**fields, **criteria}


def _refused(error: vacancies.VacancyError) -> ProblemError:
    db.session.rollback()
    return ProblemError(409, str(error))


@route(v1, "/staff/vacancies", methods=["POST"], tags=TAGS)
@authenticated(v1)
@idempotency.idempotent(v1)
@arguments(v1, VacancyInputSchema, location="json")
@response(v1, 201, ManagedVacancySchema, headers=etags.ETAG_HEADER)
@problems(v1, 409)
def create_vacancy(fields: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Save a new vacancy as a draft; the token's owner becomes its recruiter."""
    try:
        vacancy = vacancies.create_vacancy(VacancyData(**_trimmed(fields)), current_api_user())
    except vacancies.VacancyError as exc:
        raise _refused(exc) from None
    idempotency.commit()
    return _answer(vacancy.id, 201)


@route(v1, RULE, methods=["GET"], tags=TAGS)
@authenticated(v1)
@response(v1, 200, ManagedVacancySchema, headers=etags.ETAG_HEADER)
@problems(v1, 404)
def get_staff_vacancy(vacancy_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """One vacancy as its team sees it, drafts included, with its ETag."""
    readable_vacancy(current_api_user(), vacancy_id)
    return _answer(vacancy_id)


def _change(
    vacancy_id: int, what: str, change: Callable[[Vacancy], None]
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Check the owner may, lock the row, check If-Match, apply `change` and commit."""
    check_may_manage(current_api_user(), vacancy_id, what)
    etags.require_if_match()
    vacancy = lock_vacancy(vacancy_id)
    try:
        etags.check_if_match(managed_vacancy(vacancy))
        change(vacancy)
    except ProblemError:
        db.session.rollback()
        raise
    except vacancies.VacancyError as exc:
        raise _refused(exc) from None
    idempotency.commit()
    return _answer(vacancy_id)


@route(v1, RULE, methods=["PATCH"], tags=TAGS)
@authenticated(v1)
@idempotency.idempotent(v1, etags.IF_MATCH)
@arguments(v1, VacancyPatchSchema, location="json")
@response(v1, 200, ManagedVacancySchema, headers=etags.ETAG_HEADER)
@problems(v1, 404, 409, 412, 428)
def update_vacancy(
    changes: dict[str, Any], vacancy_id: int
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Change a vacancy's fields (those sent; the rest keep their values). Criteria are fixed
    once an application has been submitted (409)."""
    return _change(
        vacancy_id,
        "vacancy edit",
        lambda vacancy: vacancies.update_vacancy(vacancy, _data(vacancy, changes)),
    )


@route(v1, RULE + "/publish", methods=["POST"], tags=TAGS)
@authenticated(v1)
@idempotency.idempotent(v1, etags.IF_MATCH)
@response(v1, 200, ManagedVacancySchema, headers=etags.ETAG_HEADER)
@problems(v1, 404, 409, 412, 428)
def publish_vacancy(vacancy_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Publish a draft, or reopen a closed vacancy whose closing time is ahead (else 409)."""
    return _change(vacancy_id, "vacancy publish", vacancies.publish)


@route(v1, RULE + "/close", methods=["POST"], tags=TAGS)
@authenticated(v1)
@idempotency.idempotent(v1, etags.IF_MATCH)
@response(v1, 200, ManagedVacancySchema, headers=etags.ETAG_HEADER)
@problems(v1, 404, 409, 412, 428)
def close_vacancy(vacancy_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Close a published vacancy to new applications (its recruiters are told); else 409."""
    return _change(vacancy_id, "vacancy close", vacancies.close)
