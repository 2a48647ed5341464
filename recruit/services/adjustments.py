"""Adjustments to the selection process: asked for by candidates, acknowledged by recruiters.

Rules kept here and nowhere else:
- a candidate asks on the application form (one request, editable while the application is a
  draft, made when it is submitted) or later from their application page while it is live
  (LIVE_STATUSES); the guaranteed-interview opt-in is set on the form only;
- recruiters never see a draft's request; each submitted request is acknowledged once, with who
  and when, an audit event, and an email to the candidate that does not repeat what they asked.

Who may see and acknowledge requests is `recruit.services.access.may_see_adjustments`.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import ColumnElement, func, select

from recruit.extensions import db
from recruit.models import (
    AdjustmentRequest,
    Application,
    ApplicationStatus,
    InterviewGuaranteeOptIn,
    User,
    utcnow,
)
from recruit.models.adjustments import ADJUSTMENT_CHARS, RESPONSE_CHARS
from recruit.notifications import catalog
from recruit.services import audit

S = ApplicationStatus

# A candidate may add a request while the application is still being decided.
LIVE_STATUSES: Final = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.SHORTLISTED, S.INTERVIEW, S.OFFER})
ACKNOWLEDGED_EVENT: Final = "adjustment_acknowledged"


class AdjustmentError(ValueError):
    """An adjustment action the rules do not allow; the message is fit to show the user."""


def requests_for(application_id: int) -> list[AdjustmentRequest]:
    """Every request on the application, oldest first (the form's own first)."""
    return list(
        db.session.scalars(
            select(AdjustmentRequest)
            .where(AdjustmentRequest.application_id == application_id)
            .order_by(AdjustmentRequest.requested_at, AdjustmentRequest.id)
        )
    )


def form_request(application_id: int) -> AdjustmentRequest | None:
    """The request typed on the application form, if any."""
    return db.session.scalar(
        select(AdjustmentRequest).where(
            AdjustmentRequest.application_id == application_id, AdjustmentRequest.on_form
        )
    )


def save_from_form(
    application: Application, text: str, opted_in: bool, *, fresh: bool = False
) -> None:
    """Keep the form's request and opt-in with a saved draft or a submission.

    An empty box removes the form's request; an unticked box removes the opt-in. Only called
    while the application's draft was claimed, so a submitted request is never rewritten.
    `fresh`: the application's draft was created by this request, so it has neither yet.
    """
    text = text.strip()[:ADJUSTMENT_CHARS]
    # A first save of the draft has neither yet: no query to look for them.
    existing = None if fresh else form_request(application.id)
    if text and existing is None:
        db.session.add(
            AdjustmentRequest(
                application_id=application.id, text=text, on_form=True, requested_at=utcnow()
            )
        )
    elif text and existing is not None:
        existing.text, existing.requested_at = text, utcnow()
    elif existing is not None:
        db.session.delete(existing)
    _set_opt_in(application.id, opted_in, fresh=fresh)


def _set_opt_in(application_id: int, opted_in: bool, *, fresh: bool = False) -> None:
    row = (
        None
        if fresh
        else db.session.scalar(
            select(InterviewGuaranteeOptIn).where(
                InterviewGuaranteeOptIn.application_id == application_id
            )
        )
    )
    if opted_in and row is None:
        db.session.add(InterviewGuaranteeOptIn(application_id=application_id, opted_in_at=utcnow()))
    elif not opted_in and row is not None:
        db.session.delete(row)


def may_add(application: Application) -> bool:
    """Whether the candidate may add a request to this application from its page."""
    return application.status in LIVE_STATUSES


def add_request(application: Application, text: str) -> AdjustmentRequest:
    """A new request from the candidate's application page; raises AdjustmentError if closed."""
    if not may_add(application):
        raise AdjustmentError(
            "You can no longer ask for adjustments on this application. "
            "Contact the recruitment team if you need help."
        )
    text = text.strip()
    if not text:
        raise AdjustmentError("Enter the adjustments you would like")
    request = AdjustmentRequest(
        application_id=application.id, text=text[:ADJUSTMENT_CHARS], requested_at=utcnow()
    )
    db.session.add(request)
    return request


def find_for_staff(application: Application, request_id: int) -> AdjustmentRequest | None:
    """A submitted application's request by id, or None (a draft's requests are not for staff)."""
    if application.status is S.DRAFT:
        return None
    return db.session.scalar(
        select(AdjustmentRequest).where(
            AdjustmentRequest.id == request_id,
            AdjustmentRequest.application_id == application.id,
        )
    )


def acknowledge(request: AdjustmentRequest, actor: User, response: str = "") -> None:
    """Record who acknowledged the request and when, audit it, and email the candidate."""
    if request.acknowledged_at is not None:
        raise AdjustmentError("This request has already been acknowledged")
    request.acknowledged_at = utcnow()
    request.acknowledged_by_id = actor.id
    request.response = response.strip()[:RESPONSE_CHARS]
    application = request.application
    audit.record(
        ACKNOWLEDGED_EVENT,
        actor,
        subject_user_id=application.candidate_id,
        application_id=application.id,
        vacancy_id=application.vacancy_id,
    )
    catalog.adjustment_acknowledged(application, request.requested_at)


def waiting_expr() -> ColumnElement[int]:
    """SQL: how many of the application's requests wait to be acknowledged (correlated)."""
    return (
        select(func.count(AdjustmentRequest.id))
        .where(
            AdjustmentRequest.application_id == Application.id,
            AdjustmentRequest.acknowledged_at.is_(None),
        )
        .correlate(Application)
        .scalar_subquery()
    )
