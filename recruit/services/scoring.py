"""Scoring against the criteria: the scale, assessors' scores, moderation and the rules between.

Rules kept here and nowhere else:
- every criterion is scored on SCALE (0 to 4) with a comment; a submitted set is final;
- a moderator (an admin, or a recruiter who runs the vacancy) who will not score may instead
  choose to see the panel's scores without scoring: that is recorded as a submitted set with
  no scores (an abstention, with who and when), and they can no longer score the application;
- the effective score of a criterion is the agreed (moderated) score if recorded, otherwise the
  mean of the submitted scores; an application meets the essential criteria when every
  essential criterion's effective score is at least MEETS.

Who may score, moderate and see others' scores is decided in recruit.services.access: nobody
sees other assessors' scores and comments for an application until they have submitted their own
set (panel members, recruiters and admins alike, so nobody is swayed). The board's SQL
(recruit.services.board) follows the same rule, an abstention included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from recruit.extensions import db
from recruit.models import (
    AgreedScore,
    Application,
    Criterion,
    CriterionKind,
    Score,
    User,
    Vacancy,
    utcnow,
)
from recruit.services.access import SIFT_STATUSES, has_submitted, is_moderator

SCALE: Final[dict[int, str]] = {
    0: "No evidence",
    1: "Limited",
    2: "Meets",
    3: "Strong",
    4: "Outstanding",
}
DESCRIPTORS: Final[dict[int, str]] = {
    0: "No evidence against the criterion",
    1: "Some evidence, but it falls short of the criterion",
    2: "Clear evidence that meets the criterion",
    3: "Strong, specific evidence that goes beyond the criterion",
    4: "Outstanding evidence at an exceptional level",
}
MEETS: Final = 2
MIN_SCORE: Final = min(SCALE)
MAX_SCORE: Final = max(SCALE)
COMMENT_CHARS: Final = 2000


class ScoringError(ValueError):
    """A scoring action the rules do not allow; the message is fit to show the user."""


@dataclass(frozen=True)
class Entry:
    """What an assessor entered for one criterion."""

    score: int | None
    comment: str = ""


@dataclass
class CriterionResult:
    """One criterion of one application: each submitted score, the agreed score, the effect."""

    criterion: Criterion
    scores: list[Score] = field(default_factory=list)
    agreed: AgreedScore | None = None

    @property
    def values(self) -> list[int]:
        """The submitted scores, as numbers."""
        return [s.score for s in self.scores if s.score is not None]

    @property
    def mean(self) -> float | None:
        """The assessors' mean, or None before anyone has submitted."""
        return sum(self.values) / len(self.values) if self.values else None

    @property
    def spread(self) -> int | None:
        """Highest minus lowest assessor score: how far the assessors disagree."""
        return max(self.values) - min(self.values) if self.values else None

    @property
    def effective(self) -> float | None:
        """The agreed score where recorded, otherwise the mean."""
        return float(self.agreed.score) if self.agreed else self.mean


def label(score: int | float | None) -> str:
    """A score as the scale names it, with its name for whole numbers; means keep one decimal."""
    if score is None:
        return "Not scored"
    if float(score).is_integer():
        return f"{int(score)} – {SCALE[int(score)]}"
    return f"{score:.1f}"


def own_scores(application: Application, assessor: User) -> dict[int, Score]:
    """The assessor's own scores for the application, by criterion id."""
    rows = db.session.scalars(
        select(Score).where(
            Score.application_id == application.id, Score.assessor_id == assessor.id
        )
    )
    return {row.criterion_id: row for row in rows}


def has_abstained(mine: Mapping[int, Score]) -> bool:
    """Whether the assessor chose to see the panel's scores without scoring (see `abstain`)."""
    return has_submitted(mine) and all(s.score is None for s in mine.values())


def abstain(application: Application, moderator: User) -> None:
    """Show the panel's scores to a moderator who will not score: record an empty submitted set.

    Draft scores are discarded; from now on the moderator cannot score this application.
    """
    if not is_moderator(moderator, application.vacancy_id):
        raise ScoringError("Only the vacancy's recruiters and admins moderate its scores")
    if application.status not in SIFT_STATUSES:
        raise ScoringError("Scoring opens when the application is under review")
    mine = own_scores(application, moderator)
    if has_submitted(mine):
        raise ScoringError("You have already submitted your scores for this application")
    _record_abstention(application.id, application.vacancy.criteria, mine, moderator.id)


def abstain_for_vacancy(vacancy: Vacancy, moderator: User) -> int:
    """`abstain` on each of the vacancy's applications now in the sift that the moderator has
    not submitted; return how many. Applications reaching the sift later are not included."""
    if not is_moderator(moderator, vacancy.id):
        raise ScoringError("Only the vacancy's recruiters and admins moderate its scores")
    own: dict[int, dict[int, Score]] = {}
    for row in db.session.scalars(
        select(Score)
        .join(Application, Application.id == Score.application_id)
        .where(Application.vacancy_id == vacancy.id, Score.assessor_id == moderator.id)
    ):
        own.setdefault(row.application_id, {})[row.criterion_id] = row
    application_ids = db.session.scalars(
        select(Application.id).where(
            Application.vacancy_id == vacancy.id, Application.status.in_(SIFT_STATUSES)
        )
    )
    count = 0
    for application_id in application_ids:
        mine = own.get(application_id, {})
        if not has_submitted(mine):
            _record_abstention(application_id, vacancy.criteria, mine, moderator.id)
            count += 1
    return count


def _record_abstention(
    application_id: int, criteria: Sequence[Criterion], mine: Mapping[int, Score], user_id: int
) -> None:
    now = utcnow()
    for criterion in criteria:
        row = mine.get(criterion.id)
        if row is None:
            row = Score(
                application_id=application_id, criterion_id=criterion.id, assessor_id=user_id
            )
            db.session.add(row)
        row.score, row.comment, row.submitted_at = None, "", now


def save_scores(
    application: Application, assessor: User, entries: Mapping[int, Entry], *, submit: bool
) -> None:
    """Save the assessor's scores as a draft, or submit them (every criterion scored) for good."""
    mine = own_scores(application, assessor)
    if has_abstained(mine):
        raise ScoringError(
            "You chose to see the panel's scores without scoring, so you cannot score this "
            "application"
        )
    if has_submitted(mine):
        raise ScoringError("You have already submitted your scores for this application")
    criteria = application.vacancy.criteria
    if submit and any(entries.get(c.id, Entry(None)).score is None for c in criteria):
        raise ScoringError("Score every criterion before you submit")
    now = utcnow()
    for criterion in criteria:
        entry = entries.get(criterion.id, Entry(None))
        row = mine.get(criterion.id)
        if row is None:
            row = Score(
                application_id=application.id, criterion_id=criterion.id, assessor_id=assessor.id
            )
            db.session.add(row)
        row.score = entry.score
        row.comment = entry.comment.strip()[:COMMENT_CHARS]
        row.submitted_at = now if submit else None


def results(application: Application) -> list[CriterionResult]:
    """Every criterion of the application with its submitted scores and any agreed score."""
    by_id = {c.id: CriterionResult(c) for c in application.vacancy.criteria}
    submitted = db.session.scalars(
        select(Score)
        .where(
            Score.application_id == application.id,
            Score.submitted_at.is_not(None),
            Score.score.is_not(None),  # an abstention is nobody's score
        )
        .options(joinedload(Score.assessor))  # every page naming them reads it: one statement
        .order_by(Score.id)
    )
    for score in submitted:
        if score.criterion_id in by_id:
            by_id[score.criterion_id].scores.append(score)
    for agreed in db.session.scalars(
        select(AgreedScore)
        .where(AgreedScore.application_id == application.id)
        .options(joinedload(AgreedScore.recorded_by))
    ):
        if agreed.criterion_id in by_id:
            by_id[agreed.criterion_id].agreed = agreed
    return list(by_id.values())


def essential_verdict(outcomes: list[CriterionResult]) -> bool | None:
    """True if every essential criterion is met, False if one is not, None while incomplete."""
    essential = [r.effective for r in outcomes if r.criterion.kind is CriterionKind.ESSENTIAL]
    if any(value is not None and value < MEETS for value in essential):
        return False
    if any(value is None for value in essential):
        return None
    return True


def record_agreed(
    application: Application, criterion_id: int, score: int, note: str, actor: User
) -> AgreedScore:
    """Record (or replace) the moderated score for one criterion."""
    if score not in SCALE:
        raise ScoringError(f"Agreed scores run from {MIN_SCORE} to {MAX_SCORE}")
    if criterion_id not in {c.id for c in application.vacancy.criteria}:
        raise ScoringError("That criterion does not belong to this vacancy")
    agreed = db.session.scalar(
        select(AgreedScore).where(
            and_(
                AgreedScore.application_id == application.id,
                AgreedScore.criterion_id == criterion_id,
            )
        )
    )
    if agreed is None:
        agreed = AgreedScore(application_id=application.id, criterion_id=criterion_id)
        db.session.add(agreed)
    agreed.score = score
    agreed.note = note.strip()[:1000]
    agreed.recorded_by_id = actor.id
    agreed.recorded_at = utcnow()
    return agreed


def clear_agreed(application: Application, criterion_id: int) -> None:
    """Remove the agreed score for one criterion, so the mean counts again."""
    agreed = db.session.scalar(
        select(AgreedScore).where(
            AgreedScore.application_id == application.id, AgreedScore.criterion_id == criterion_id
        )
    )
    if agreed is not None:
        db.session.delete(agreed)
