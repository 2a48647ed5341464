"""Scores through the API: an application's scores as the token's owner may see them, and their
own set, saved as a draft or submitted, against the vacancy's criteria.

Every rule is the staff pages' own: who may score and see others' scores is
`recruit.services.access` (`may_score`, `can_see_others`), the scale and the saving of a set
`recruit.services.scoring` (a submitted set is final; a moderator who abstained cannot score).
The scope is the board's (`role_scope`): a recruiter outside the vacancy's team gets 403 naming
who to ask, and an admin outside it is audited. Scores name no candidate, so the anonymised
sift is kept by showing none. An update takes `If-Match` with the ETag of the own set, compared
with the application's row locked, as the stage change does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from recruit.api import etags, idempotency
from recruit.api.access import application_to_change, audit_admin, find_application
from recruit.api.auth import authenticated, current_api_user
from recruit.api.blueprint import v1
from recruit.api.problems import ProblemError
from recruit.api.score_schemas import OwnScoresSchema, ScoreInputSchema, ScoreSheetSchema
from recruit.api.spec import arguments, problems, response, route
from recruit.extensions import db
from recruit.models import Application, Score, User
from recruit.services import access, scoring
from recruit.services.board import role_scope
from recruit.urls import external_url

TAGS = ["Scores"]
MINE = "/applications/<int:application_id>/scores/mine"
SCALE = [
    {"value": v, "label": scoring.SCALE[v], "descriptor": scoring.DESCRIPTORS[v]}
    for v in scoring.SCALE
]


def _scoped(viewer: User, application_id: int) -> Select[Application]:
    return (
        select(Application)
        .where(Application.id == application_id, *role_scope(viewer))
        .options(joinedload(Application.vacancy))
    )


def _application(viewer: User, application_id: int) -> Application:
    """The application in the viewer's scope (403 naming who to ask, or 404, if not)."""
    return find_application(viewer, _scoped(viewer, application_id), application_id)


def _status(mine: Mapping[int, Score]) -> str:
    if scoring.has_abstained(mine):
        return "abstained"
    if access.has_submitted(mine):
        return "submitted"
    return "draft" if mine else "none"


def _links(application_id: int) -> dict[str, str]:
    return {
        "self": external_url("api_v1.get_own_scores", application_id=application_id),
        "scores": external_url("api_v1.get_scores", application_id=application_id),
        "html": external_url("admin.score", application_id=application_id),
    }


def own_set(application: Application, viewer: User) -> dict[str, Any]:
    """The viewer's own scores, one per criterion: the representation its ETag is made of."""
    mine = scoring.own_scores(application, viewer)
    times = [s.submitted_at for s in mine.values() if s.submitted_at is not None]
    scores = []
    for criterion in application.vacancy.criteria:
        row = mine.get(criterion.id)
        scores.append(
            {
                "criterion_id": criterion.id,
                "kind": criterion.kind.value,
                "criterion": criterion.text,
                "score": row.score if row else None,
                "comment": row.comment if row else "",
            }
        )
    return {
        "application_id": application.id,
        "status": _status(mine),
        "scoring_open": application.status in access.SIFT_STATUSES,
        "submitted_at": max(times) if times else None,
        "scores": scores,
        "scale": SCALE,
        "links": _links(application.id),
    }


def _panel(outcomes: list[scoring.CriterionResult]) -> list[dict[str, Any]]:
    return [
        {
            "criterion_id": result.criterion.id,
            "kind": result.criterion.kind.value,
            "criterion": result.criterion.text,
            "scores": [
                {
                    "assessor": item.assessor.full_name,
                    "score": item.score,
                    "comment": item.comment,
                    "submitted_at": item.submitted_at,
                }
                for item in result.scores
            ],
            "mean": result.mean,
            "spread": result.spread,
            "agreed": None
            if result.agreed is None
            else {
                "score": result.agreed.score,
                "note": result.agreed.note,
                "recorded_by": result.agreed.recorded_by.full_name
                if result.agreed.recorded_by
                else None,
                "recorded_at": result.agreed.recorded_at,
            },
            "effective": result.effective,
        }
        for result in outcomes
    ]


def sheet(application: Application, viewer: User) -> dict[str, Any]:
    """The application's scores as the viewer may see them (the application page's table)."""
    mine = scoring.own_scores(application, viewer)
    visible = access.can_see_others(viewer, mine)
    outcomes = scoring.results(application) if visible else []
    return {
        "application_id": application.id,
        "scoring_open": application.status in access.SIFT_STATUSES,
        "own_status": _status(mine),
        "panel_visible": visible,
        "essential_met": scoring.essential_verdict(outcomes) if visible else None,
        "criteria": _panel(outcomes) if visible else None,
        "links": _links(application.id),
    }


@route(v1, "/applications/<int:application_id>/scores", methods=["GET"], tags=TAGS)
@authenticated(v1)
@response(v1, 200, ScoreSheetSchema)
@problems(v1, 403, 404)
def get_scores(application_id: int) -> dict[str, Any]:
    """The panel's scores against each criterion, once you have submitted your own set (or,
    moderating, chose to see them without scoring); until then only your own set's status."""
    viewer = current_api_user()
    application = _application(viewer, application_id)
    body = sheet(application, viewer)  # before the audit's commit expires what was loaded
    audit_admin(viewer, application.vacancy_id, "application scores", application)
    db.session.commit()
    return body


def _answer(application_id: int, status: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The own set as stored now (in this transaction, which the caller ends), with its ETag."""
    viewer = current_api_user()
    db.session.expire_all()
    body = own_set(_application(viewer, application_id), viewer)
    headers = etags.etag_header(body)
    if status == 201:
        headers["Location"] = body["links"]["self"]
    return body, status, headers


def _read_own(application_id: int, what: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The own set as the token's owner reads it now, audited for an admin outside the team."""
    viewer = current_api_user()
    application = _application(viewer, application_id)
    body = own_set(application, viewer)  # before the audit's commit expires what was loaded
    audit_admin(viewer, application.vacancy_id, what, application)
    db.session.commit()
    return body, etags.etag_header(body)


def _own_now(application_id: int) -> Response:
    """The own set as it is now: a replayed save's answer (comments are not kept with keys)."""
    body, headers = _read_own(application_id, "application score")
    reply = jsonify(OwnScoresSchema().dump(body))
    reply.headers.update(headers)
    reply.headers["Location"] = body["links"]["self"]
    return reply


@route(v1, MINE, methods=["GET"], tags=TAGS)
@authenticated(v1)
@response(v1, 200, OwnScoresSchema, headers=etags.ETAG_HEADER)
@problems(v1, 403, 404)
def get_own_scores(application_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Your own scores for the application, with the ETag to send when you change them."""
    body, headers = _read_own(application_id, "application scores")
    return body, 200, headers


def _entries(application: Application, sent: list[dict[str, Any]]) -> dict[int, scoring.Entry]:
    """The set sent, by criterion; 422 for a criterion of another vacancy or one sent twice."""
    known = {c.id for c in application.vacancy.criteria}
    entries: dict[int, scoring.Entry] = {}
    for index, item in enumerate(sent):
        criterion_id = item["criterion_id"]
        problem = (
            "Not a criterion of this vacancy."
            if criterion_id not in known
            else "Sent twice."
            if criterion_id in entries
            else ""
        )
        if problem:
            raise ProblemError(
                422,
                "Score the vacancy's own criteria, each once.",
                errors={"json": {"scores": {str(index): {"criterion_id": [problem]}}}},
            )
        entries[criterion_id] = scoring.Entry(item["score"], item["comment"])
    return entries


def _save(data: dict[str, Any], application_id: int, *, creating: bool) -> None:
    """Check and save the set in the request's transaction (the caller commits)."""
    viewer = current_api_user()
    application = application_to_change(
        viewer,
        _scoped(viewer, application_id),
        application_id,
        "application score",
        if_match=not creating,
    )
    try:
        if not access.may_score(viewer, application):
            raise ProblemError(409, "Scoring opens when the application is under review.")
        current = own_set(application, viewer)
        if creating and current["status"] != "none":
            raise ProblemError(
                409,
                "You have saved scores for this application already: change them with PUT, "
                "sending the ETag of your scores in If-Match.",
            )
        if not creating:
            etags.check_if_match(current)
        entries = _entries(application, data["scores"])
        scoring.save_scores(application, viewer, entries, submit=data["submit"])
    except ProblemError:
        db.session.rollback()
        raise
    except scoring.ScoringError as exc:
        db.session.rollback()
        raise ProblemError(409, str(exc)) from None


@route(v1, MINE, methods=["POST"], tags=TAGS)
@authenticated(v1)
@idempotency.idempotent(v1, fresh=_own_now)
@arguments(v1, ScoreInputSchema, location="json")
@response(v1, 201, OwnScoresSchema, headers=etags.ETAG_HEADER)
@problems(v1, 403, 404, 409)
def create_own_scores(
    data: dict[str, Any], application_id: int
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Save your first scores for the application: a draft, or (`submit`) final. Once you have
    a set, change it with PUT (409 here)."""
    _save(data, application_id, creating=True)
    idempotency.commit()
    return _answer(application_id, 201)


@route(v1, MINE, methods=["PUT"], tags=TAGS)
@authenticated(v1)
@idempotency.idempotent(v1, etags.IF_MATCH, fresh=_own_now)
@arguments(v1, ScoreInputSchema, location="json")
@response(v1, 200, OwnScoresSchema, headers=etags.ETAG_HEADER)
@problems(v1, 403, 404, 409, 412, 428)
def update_own_scores(
    data: dict[str, Any], application_id: int
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Replace your draft scores (criteria left out are saved unscored), or submit them for
    good; a submitted set is final (409)."""
    _save(data, application_id, creating=False)
    idempotency.commit()
    return _answer(application_id, 200)
