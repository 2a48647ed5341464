"""Moving applications between statuses: the allowed moves, the history and the emails."""

from __future__ import annotations

from typing import Final

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, StatusChange, User, utcnow
from recruit.notifications import catalog
from recruit.services import guarantee
from recruit.taxonomy import CANDIDATE_LABELS, STAFF_LABELS
from recruit.webhooks import events as webhook_events

S = ApplicationStatus

# Recruiter moves. Withdrawal is the candidate's own act and is handled by `withdraw`.
ALLOWED_MOVES: Final[dict[ApplicationStatus, frozenset[ApplicationStatus]]] = {
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.UNSUCCESSFUL}),
    S.UNDER_REVIEW: frozenset({S.SHORTLISTED, S.UNSUCCESSFUL, S.SUBMITTED}),
    S.SHORTLISTED: frozenset({S.INTERVIEW, S.UNSUCCESSFUL, S.UNDER_REVIEW}),
    S.INTERVIEW: frozenset({S.OFFER, S.UNSUCCESSFUL, S.SHORTLISTED}),
    S.OFFER: frozenset({S.APPOINTED, S.UNSUCCESSFUL, S.INTERVIEW}),
    S.APPOINTED: frozenset(),
    S.UNSUCCESSFUL: frozenset({S.UNDER_REVIEW}),  # a recruiter may reverse a mistaken rejection
    S.WITHDRAWN: frozenset(),
    S.DRAFT: frozenset(),
}

WITHDRAWABLE: Final = frozenset(
    {S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.SHORTLISTED, S.INTERVIEW, S.OFFER}
)


class TransitionError(ValueError):
    """A move the pipeline does not allow; the message is fit to show the user."""


def allowed_moves(application: Application) -> list[ApplicationStatus]:
    """The statuses a recruiter may move this application to, in pipeline order."""
    targets = ALLOWED_MOVES.get(application.status, frozenset())
    return [s for s in ApplicationStatus if s in targets]


def record_change(
    application: Application, to_status: ApplicationStatus, actor: User | None, note: str = ""
) -> StatusChange:
    """Set the status and append who changed it, when, and from what."""
    change = StatusChange(
        application=application,
        from_status=application.status,
        to_status=to_status,
        changed_by_id=actor.id if actor else None,
        changed_at=utcnow(),
        note=note[:500],
    )
    application.status = to_status
    db.session.add(change)
    from_status = change.from_status
    if from_status is not None and from_status is not ApplicationStatus.DRAFT:
        # A draft's submit has its own event (`application.submitted`), a draft's withdrawal none.
        webhook_events.stage_changed(application, from_status, change.changed_at)
    return change


def move(
    application: Application, to_status: ApplicationStatus, actor: User, note: str = ""
) -> None:
    """A recruiter's move; raises TransitionError when the pipeline does not allow it."""
    if to_status not in ALLOWED_MOVES.get(application.status, frozenset()):
        raise TransitionError(
            f"An application that is {STAFF_LABELS[application.status].lower()} cannot be moved to "
            f"{STAFF_LABELS[to_status].lower()}"
        )
    try:
        # A guaranteed-interview rejection before interview needs the note as its reason.
        guarantee.check_rejection(application, to_status, actor, note)
    except guarantee.ReasonRequiredError as exc:
        raise TransitionError(str(exc)) from exc
    record_change(application, to_status, actor, note)
    catalog.status_changed(application)


def withdraw(application: Application, candidate: User, reason: str = "") -> None:
    """The candidate withdraws; raises TransitionError once the outcome is final."""
    if application.status not in WITHDRAWABLE:
        raise TransitionError(
            f"This application is {CANDIDATE_LABELS[application.status].lower()} "
            "and can no longer be withdrawn"
        )
    was_draft = application.status is S.DRAFT
    record_change(application, S.WITHDRAWN, candidate, reason)
    if not was_draft:
        catalog.status_changed(application)
