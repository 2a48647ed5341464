"""Recording a candidate's monitoring answers under their application's pseudonym."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import exists, select

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, MonitoringResponse
from recruit.monitoring.pseudonym import pseudonym
from recruit.monitoring.questions import QUESTIONS, valid_answer


class AlreadyAnsweredError(Exception):
    """The application's answers were given already: the form is filled in once."""


def may_offer(application: Application) -> bool:
    """The form is offered once an application is submitted (a draft has nothing to monitor)."""
    return application.status is not ApplicationStatus.DRAFT


def has_answered(application_id: int) -> bool:
    """Whether answers are held for this application."""
    held = select(MonitoringResponse.id).where(
        MonitoringResponse.pseudonym == pseudonym(application_id)
    )
    return bool(db.session.scalar(select(exists(held))))


def answers_for(application_id: int) -> dict[str, str] | None:
    """The answers held for one application (for its candidate's subject access pack only)."""
    found = db.session.scalar(
        select(MonitoringResponse).where(MonitoringResponse.pseudonym == pseudonym(application_id))
    )
    return dict(found.answers) if found is not None else None


def record(application_id: int, answers: Mapping[str, str]) -> MonitoringResponse:
    """Store a complete, valid answer set; the caller commits (a unique pseudonym stops twins)."""
    clean = {q.slug: answers[q.slug] for q in QUESTIONS if q.slug in answers}
    if set(clean) != {q.slug for q in QUESTIONS} or not all(
        valid_answer(q, a) for q, a in clean.items()
    ):
        raise ValueError("every question needs one of its options")
    if has_answered(application_id):
        raise AlreadyAnsweredError
    response = MonitoringResponse(pseudonym=pseudonym(application_id), answers=clean)
    db.session.add(response)
    return response
