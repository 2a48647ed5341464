"""Moving an application along the pipeline with a write token: the staff page's move, by its
rules (`recruit.services.pipeline`), in its scope and with its audit.

Only the vacancy's hiring team and admins may (a recruiter outside the team gets 403 naming
who to ask, as for reading it); an admin outside the team is audited. The move takes
`If-Match` with the application's ETag, compared with the row locked, so two recruiters moving
it at once get one success and one 412. What the answer shows of the candidate follows the
anonymised sift, as every read does. A replayed move
(`Idempotency-Key`) answers with the application as it is now: its answer names the candidate,
so it is not kept with the key.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from marshmallow import Schema, fields, validate

from recruit.api import etags, idempotency
from recruit.api.access import application_to_change, audit_admin, find_application
from recruit.api.application_schemas import ApplicationSchema
from recruit.api.applications import full, in_scope
from recruit.api.auth import authenticated, current_api_user
from recruit.api.blueprint import v1
from recruit.api.problems import ProblemError
from recruit.api.schemas import NO_NUL
from recruit.api.spec import arguments, problems, response, route
from recruit.extensions import db
from recruit.models import ApplicationStatus
from recruit.services import pipeline

TAGS = ["Applications"]
# Where a recruiter may move an application to; withdrawing is the candidate's own act.
TARGETS = [
    s.value
    for s in ApplicationStatus
    if s not in (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)
]


class StageChangeSchema(Schema):
    """A move along the pipeline, with an optional note for the history."""

    status = fields.String(required=True, validate=validate.OneOf(TARGETS))
    note = fields.String(
        load_default="",
        validate=[
            validate.Length(max=500),
            NO_NUL,
        ],
        metadata={
            "description": (
                "Why (kept in the history); required to reject a guaranteed-interview "
                "candidate before interview"
            )
        },
    )


def _as_now(application_id: int) -> Response:
    """The application as the token's owner may see it now: a replayed move's answer."""
    viewer = current_api_user()
    found = find_application(viewer, in_scope(viewer, application_id), application_id)
    body = full(found, viewer)  # before the commit expires what was loaded
    audit_admin(viewer, found.vacancy_id, "application", found)
    db.session.commit()
    response = jsonify(ApplicationSchema().dump(body))
    response.headers.update(etags.etag_header(body))
    return response


@route(v1, "/applications/<int:application_id>/stage", methods=["POST"], tags=TAGS)
@authenticated(v1)
@idempotency.idempotent(v1, etags.IF_MATCH, fresh=_as_now)
@arguments(v1, StageChangeSchema, location="json")
@response(v1, 200, ApplicationSchema, headers=etags.ETAG_HEADER)
@problems(v1, 403, 404, 409, 412, 428)
def change_stage(
    move: dict[str, Any], application_id: int
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Move an application to another stage, as the pipeline allows (else 409); the candidate
    is emailed as from the staff page."""
    viewer = current_api_user()
    scope = in_scope(viewer, application_id)
    application = application_to_change(
        viewer, scope, application_id, "application stage", if_match=True
    )
    try:
        etags.check_if_match(full(application, viewer))
        pipeline.move(application, ApplicationStatus(move["status"]), viewer, move["note"].strip())
    except ProblemError:
        db.session.rollback()
        raise
    except pipeline.TransitionError as exc:
        db.session.rollback()
        raise ProblemError(409, str(exc)) from None
    idempotency.commit()
    db.session.expire_all()
    body = full(find_application(viewer, scope, application_id), viewer)
    return body, 200, etags.etag_header(body)
