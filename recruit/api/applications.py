"""Applications, read with a token: the same hiring-team scope, anonymity rule and audit as the
staff pages.

The scope is the board's own SQL (`board.role_scope`): a recruiter sees the applications
of vacancies whose team they are on, an admin every one (audited outside their teams, as on the
pages), and drafts are never listed. Name and email appear only where `identity_visible`
allows them, so an anonymised sift stays anonymous through the API too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from recruit.api import cursor, etags
from recruit.api.access import application_not_found, audit_admin, check_team_vacancy
from recruit.api.application_schemas import (
    ApplicationFilterSchema,
    ApplicationPageSchema,
    ApplicationSchema,
)
from recruit.api.auth import authenticated, current_api_user
from recruit.api.blueprint import v1
from recruit.api.problems import ProblemError
from recruit.api.spec import arguments, problems, response, route
from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, CriterionEvidence, User, Vacancy
from recruit.services.access import identity_visible
from recruit.services.board import role_scope
from recruit.urls import external_url

TAGS = ["Applications"]


def summary(application: Application, viewer: User) -> dict[str, Any]:
    """An application as listed, identity withheld where the sift is anonymous."""
    visible = identity_visible(application, viewer)
    return {
        "id": application.id,
        "reference": application.reference,
        "status": application.status.value,
        "submitted_at": application.submitted_at,
        "on_longlist": application.on_longlist,
        "on_shortlist": application.on_shortlist,
        "vacancy": {
            "id": application.vacancy.id,
            "reference": application.vacancy.reference,
            "title": application.vacancy.title,
        },
        "candidate": {
            "number": application.candidate_number,
            "identity_visible": visible,
            "full_name": application.candidate.full_name if visible else None,
            "email": application.candidate.email if visible else None,
        },
        "links": {
            "self": external_url("api_v1.get_application", application_id=application.id),
            "html": external_url("admin.application", application_id=application.id),
        },
    }


def _loaded() -> Any:
    return (
        joinedload(Application.vacancy),
        joinedload(Application.candidate),
        selectinload(Application.reveals),
    )


def in_scope(viewer: User, application_id: int) -> Select[Application]:
    """The application, if in the viewer's scope, loaded with all that `full` reads."""
    return (
        select(Application)
        .where(Application.id == application_id, *role_scope(viewer))
        .options(
            *_loaded(),
            selectinload(Application.evidence).joinedload(CriterionEvidence.criterion),
        )
    )


@route(v1, "/applications", methods=["GET"], tags=TAGS)
@authenticated(v1)
@arguments(v1, ApplicationFilterSchema, location="query", as_kwargs=True)
@response(v1, 200, ApplicationPageSchema)
@problems(v1, 400, 403)
def list_applications(limit: int, cursor_text: str = "", **filters: Any) -> dict[str, Any]:
    """Submitted applications the token's owner may see, oldest first, by vacancy and stage."""
    viewer = current_api_user()
    stmt = select(Application).where(*role_scope(viewer)).options(*_loaded())
    if "vacancy_id" in filters and db.session.get(Vacancy, filters["vacancy_id"]) is not None:
        check_team_vacancy(viewer, filters["vacancy_id"])  # 403 outside its team, as the board
    if "vacancy_id" in filters:
        stmt = stmt.where(Application.vacancy_id == filters["vacancy_id"])
    if "status" in filters:
        stmt = stmt.where(Application.status == ApplicationStatus(filters["status"]))
    if cursor_text:
        position = cursor.decode("applications", filters, cursor_text)
        if len(position) != 1 or not isinstance(position[0], int):
            raise ProblemError(400, "The cursor is not one this API issued.")
        stmt = stmt.where(Application.id > position[0])
    rows = list(db.session.scalars(stmt.order_by(Application.id).limit(limit + 1)))
    page, paging = cursor.paged(
        "applications", "api_v1.list_applications", filters, rows, limit, lambda a: [a.id]
    )
    # Made before the audit's commit, which would expire the eagerly loaded rows.
    items = [summary(a, viewer) for a in page]
    vacancy_id = filters.get("vacancy_id")
    audit_admin(viewer, vacancy_id, "applications board" if vacancy_id else "all applications")
    db.session.commit()
    return {"items": items, **paging}


@route(v1, "/applications/<int:application_id>", methods=["GET"], tags=TAGS)
@authenticated(v1)
@response(v1, 200, ApplicationSchema, headers=etags.ETAG_HEADER)
@problems(v1, 403, 404)
def get_application(application_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """One application, with the statement and evidence; 403 (naming who to ask) outside the
    owner's teams."""
    viewer = current_api_user()
    application = db.session.scalar(in_scope(viewer, application_id))
    if application is None:
        application_not_found(viewer, application_id)
    body = full(application, viewer)  # before the commit expires what was loaded
    audit_admin(viewer, application.vacancy_id, "application", application)
    db.session.commit()
    return body, 200, etags.etag_header(body)


def full(application: Application, viewer: User) -> dict[str, Any]:
    """An application in full, as `viewer` may see it: the representation its ETag is made of."""
    body = summary(application, viewer)
    body["statement"] = application.statement
    body["evidence"] = [
        {
            "criterion_id": item.criterion_id,
            "kind": item.criterion.kind.value,
            "criterion": item.criterion.text,
            "text": item.text,
        }
        for item in application.evidence
    ]
    return body
