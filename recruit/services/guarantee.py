"""The Disability Confident guaranteed-interview scheme: who qualifies, overrides and the report.

Rules kept here and nowhere else:
- an application qualifies when its candidate opted in and every essential criterion of the
  vacancy has an agreed (moderated) score of at least PASS_MARK, the scale's "Meets"; a vacancy
  with no essential criteria has no minimum to meet, so nobody qualifies by default;
- rejecting a qualifying application before interview (to unsuccessful from BEFORE_INTERVIEW)
  needs a reason from a recruiter: it is kept as a GuaranteeOverride and audited;
- "invited" means the application reached the interview stage (a status change to it exists).

Who may see any of this is `recruit.services.access.may_see_adjustments`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import ColumnElement, and_, exists, func, select

from recruit.extensions import db
from recruit.models import (
    AgreedScore,
    Application,
    ApplicationStatus,
    Criterion,
    CriterionKind,
    GuaranteeOverride,
    InterviewGuaranteeOptIn,
    StatusChange,
    User,
    Vacancy,
    utcnow,
)
from recruit.models.adjustments import OVERRIDE_REASON_CHARS
from recruit.services import audit
from recruit.services.scoring import MEETS

S = ApplicationStatus

# The agreed score every essential criterion needs: the scale's "Meets".
PASS_MARK: Final = MEETS
# Rejections from these stages are "before interview".
BEFORE_INTERVIEW: Final = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.SHORTLISTED})
OVERRIDE_EVENT: Final = "guaranteed_interview_override"
REASON_NEEDED: Final = (
    "This candidate has a guaranteed interview (Disability Confident) and meets every essential "
    "criterion. To reject the application before interview, give your reason in the note"
)
BULK_REFUSED: Final = (
    "left out because it has a guaranteed interview; to reject it before interview, move it "
    "from its own page and give your reason"
)


class ReasonRequiredError(ValueError):
    """Rejecting a guaranteed-interview application before interview needs a reason."""


def opted_in_expr() -> ColumnElement[bool]:
    """SQL: the application's candidate opted in to the scheme (correlated to Application)."""
    return exists().where(InterviewGuaranteeOptIn.application_id == Application.id)


def meets_minimum_expr() -> ColumnElement[bool]:
    """SQL: every essential criterion has an agreed score of at least PASS_MARK (and one exists)."""
    essential = and_(
        Criterion.vacancy_id == Application.vacancy_id, Criterion.kind == CriterionKind.ESSENTIAL
    )
    # Correlated by hand: SQLAlchemy correlates only to the enclosing SELECT, and this one sits
    # two levels below the applications it is about.
    met = (
        select(AgreedScore.id)
        .where(
            AgreedScore.application_id == Application.id,
            AgreedScore.criterion_id == Criterion.id,
            AgreedScore.score >= PASS_MARK,
        )
        .correlate(Application, Criterion)
        .exists()
    )
    return and_(exists().where(essential), ~exists().where(essential, ~met))


def invited_expr() -> ColumnElement[bool]:
    """SQL: the application was moved to the interview stage at some point."""
    return exists().where(
        StatusChange.application_id == Application.id, StatusChange.to_status == S.INTERVIEW
    )


def is_opted_in(application_id: int) -> bool:
    """Whether the candidate opted in to the scheme on this application."""
    found = select(InterviewGuaranteeOptIn.id).where(
        InterviewGuaranteeOptIn.application_id == application_id
    )
    return bool(db.session.scalar(select(exists(found))))


def guaranteed_among(application_ids: Iterable[int]) -> set[int]:
    """Which of these applications qualify for a guaranteed interview, in one query."""
    ids = sorted(set(application_ids))
    if not ids:
        return set()
    rows = db.session.scalars(
        select(Application.id).where(Application.id.in_(ids), opted_in_expr(), meets_minimum_expr())
    )
    return set(rows)


def is_guaranteed(application: Application) -> bool:
    """Whether this application qualifies for a guaranteed interview."""
    return application.id in guaranteed_among([application.id])


def needs_reason(application: Application, to_status: ApplicationStatus) -> bool:
    """Whether moving the application to `to_status` rejects a qualifying one before interview."""
    return (
        to_status is S.UNSUCCESSFUL
        and application.status in BEFORE_INTERVIEW
        and is_guaranteed(application)
    )


def check_rejection(
    application: Application, to_status: ApplicationStatus, actor: User, reason: str
) -> None:
    """Refuse a reasonless rejection of a qualifying application; record and audit one with a
    reason. Call before the move; the caller's transaction keeps both with the move."""
    if not needs_reason(application, to_status):
        return
    reason = reason.strip()
    if not reason:
        raise ReasonRequiredError(REASON_NEEDED)
    db.session.add(
        GuaranteeOverride(
            application_id=application.id,
            reason=reason[:OVERRIDE_REASON_CHARS],
            decided_by_id=actor.id,
            decided_at=utcnow(),
        )
    )
    audit.record(
        OVERRIDE_EVENT,
        actor,
        subject_user_id=application.candidate_id,
        application_id=application.id,
        vacancy_id=application.vacancy_id,
        detail=reason,
    )


@dataclass(frozen=True)
class SchemeCounts:
    """One vacancy's figures for the scheme."""

    vacancy_id: int
    title: str
    reference: str
    opted_in: int
    met: int
    invited: int
    overridden: int

    @property
    def awaiting(self) -> int:
        """Met the minimum, not yet invited and not overridden."""
        return max(self.met - self.invited - self.overridden, 0)


def _overridden_expr() -> ColumnElement[bool]:
    return exists().where(GuaranteeOverride.application_id == Application.id)


def scheme_counts(vacancy_id: int | None = None) -> list[SchemeCounts]:
    """Per vacancy (one, or every vacancy with an opted-in application): opted in, met the
    minimum, invited to interview (of those who met it) and overridden with a reason."""
    met = meets_minimum_expr()
    stmt = (
        select(
            Vacancy.id,
            Vacancy.title,
            Vacancy.reference,
            func.count(Application.id),
            func.count(Application.id).filter(met),
            func.count(Application.id).filter(met, invited_expr()),
            func.count(Application.id).filter(_overridden_expr()),
        )
        .join(Application, Application.vacancy_id == Vacancy.id)
        .where(Application.status != S.DRAFT, opted_in_expr())
        .group_by(Vacancy.id, Vacancy.title, Vacancy.reference)
        .order_by(Vacancy.reference)
    )
    if vacancy_id is not None:
        stmt = stmt.where(Vacancy.id == vacancy_id)
    return [SchemeCounts(*row) for row in db.session.execute(stmt)]


def overrides_for(vacancy_id: int) -> list[tuple[GuaranteeOverride, Application]]:
    """Every recorded override on the vacancy, oldest first, with its application."""
    rows = db.session.execute(
        select(GuaranteeOverride, Application)
        .join(Application, Application.id == GuaranteeOverride.application_id)
        .where(Application.vacancy_id == vacancy_id)
        .order_by(GuaranteeOverride.decided_at, GuaranteeOverride.id)
    )
    return [(override, application) for override, application in rows]


def overrides_on(application_id: int) -> list[GuaranteeOverride]:
    """The recorded overrides on one application, oldest first."""
    return list(
        db.session.scalars(
            select(GuaranteeOverride)
            .where(GuaranteeOverride.application_id == application_id)
            .order_by(GuaranteeOverride.decided_at, GuaranteeOverride.id)
        )
    )
