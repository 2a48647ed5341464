"""Reading a vacancy's applications for export in fixed-size chunks, so memory stays flat.

Keyset pagination (id > last id, LIMIT n) rather than one huge cursor: each chunk is a short
query, works the same on SQLite and PostgreSQL, and holds at most CHUNK rows in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, case, exists, func, or_, select

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    Criterion,
    CriterionEvidence,
    CriterionKind,
    StatusChange,
    StoredFile,
    User,
    Vacancy,
)
from recruit.models.sift import AgreedScore, IdentityReveal, Score
from recruit.services.access import IDENTIFIED_STATUSES
from recruit.services.scoring import MEETS

CHUNK: Final = 500


@dataclass
class CriterionScore:
    """Mean of submitted scores, agreed score and the one that counts."""

    mean: float | None
    agreed: int | None

    @property
    def effective(self) -> float | None:
        """Agreed if recorded, else the mean."""
        return float(self.agreed) if self.agreed is not None else self.mean


@dataclass
class ExportRow:
    """Everything one export line, PDF page or pack entry needs about one application."""

    application_id: int
    candidate_number: str
    identified: bool
    full_name: str
    email: str
    status: ApplicationStatus
    submitted_at: datetime | None
    last_moved_at: datetime | None
    statement: str
    cv_key: str | None
    cv_name: str | None
    scores: list[CriterionScore] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    @property
    def identity(self) -> str:
        """Name when the anonymity rule allows it, otherwise the candidate number."""
        return self.full_name if self.identified else f"Candidate {self.candidate_number}"

    @property
    def total(self) -> float | None:
        """Sum of effective scores, or None before any scoring."""
        values = [s.effective for s in self.scores if s.effective is not None]
        return round(sum(values), 2) if values else None


def scope(vacancy_id: int, selection: dict[str, Any]) -> list[ColumnElement[bool]]:
    """SQL conditions for the applications an export covers (never drafts)."""
    conditions = [
        Application.vacancy_id == vacancy_id,
        Application.status != ApplicationStatus.DRAFT,
    ]
    which = selection.get("list")
    if which == "shortlist":
        conditions.append(Application.on_shortlist.is_(True))
    elif which == "longlist":
        conditions.append(Application.on_longlist.is_(True))
    statuses = [ApplicationStatus(s) for s in selection.get("statuses") or []]
    if statuses:
        conditions.append(Application.status.in_(statuses))
    return conditions


def count_rows(vacancy_id: int, selection: dict[str, Any]) -> int:
    """How many applications the export will hold."""
    query = select(func.count()).select_from(Application).where(*scope(vacancy_id, selection))
    return int(db.session.scalar(query) or 0)


def criteria_of(vacancy_id: int) -> list[Criterion]:
    """The vacancy's criteria in advertised order: essential first."""
    return list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.vacancy_id == vacancy_id)
            .order_by(essential_first(), Criterion.position, Criterion.id)
        )
    )


def essential_first() -> ColumnElement[int]:
    """Sort key putting essential criteria before desirable ones."""
    return case((Criterion.kind == CriterionKind.ESSENTIAL, 0), else_=1)


def identified_expr() -> ColumnElement[bool]:
    """Whether staff may see the candidate's name (the anonymity rule, in SQL)."""
    # The SQL twin of recruit.services.access.identity_visible for a staff viewer.
    revealed = exists().where(IdentityReveal.application_id == Application.id)
    return or_(
        Vacancy.anonymised_sift.is_(False),
        Application.status.in_(list(IDENTIFIED_STATUSES)),
        revealed,
    )


def _base_rows(conditions: Sequence[ColumnElement[bool]], after: int) -> list[Any]:
    last_moved = (
        select(func.max(StatusChange.changed_at))
        .where(StatusChange.application_id == Application.id)
        .scalar_subquery()
    )
    query = (
        select(
            Application.id,
            Application.candidate_number,
            Application.status,
            Application.submitted_at,
            Application.statement,
            User.full_name,
            User.email,
            StoredFile.storage_key,
            StoredFile.original_name,
            identified_expr().label("identified"),
            last_moved.label("last_moved"),
        )
        .join(User, User.id == Application.candidate_id)
        .join(Vacancy, Vacancy.id == Application.vacancy_id)
        .outerjoin(StoredFile, StoredFile.id == Application.cv_file_id)
        .where(*conditions, Application.id > after)
        .order_by(Application.id)
        .limit(CHUNK)
    )
    return list(db.session.execute(query))


def _in_chunk(
    conditions: Sequence[ColumnElement[bool]], after: int, last: int
) -> list[ColumnElement[bool]]:
    # The chunk as a key range plus the export's own conditions, rather than IN (500 ids): the
    # statement text is the same for every chunk, so SQLAlchemy's and psycopg's caches and
    # PostgreSQL's prepared statements all apply, and nothing is rendered per id.
    return [*conditions, Application.id > after, Application.id <= last]


def _scores_for(
    conditions: Sequence[ColumnElement[bool]], after: int, last: int
) -> dict[tuple[int, int], CriterionScore]:
    in_chunk = _in_chunk(conditions, after, last)
    means = db.session.execute(
        select(Score.application_id, Score.criterion_id, func.avg(Score.score))
        .join(Application, Application.id == Score.application_id)
        .where(*in_chunk, Score.submitted_at.is_not(None))
        .group_by(Score.application_id, Score.criterion_id)
    )
    found: dict[tuple[int, int], CriterionScore] = defaultdict(lambda: CriterionScore(None, None))
    for app_id, crit_id, mean in means:
        found[(app_id, crit_id)].mean = round(float(mean), 2) if mean is not None else None
    agreed = db.session.execute(
        select(AgreedScore.application_id, AgreedScore.criterion_id, AgreedScore.score)
        .join(Application, Application.id == AgreedScore.application_id)
        .where(*in_chunk)
    )
    for app_id, crit_id, score in agreed:
        found[(app_id, crit_id)].agreed = int(score)
    return found


def _evidence_for(
    conditions: Sequence[ColumnElement[bool]], after: int, last: int
) -> dict[tuple[int, int], str]:
    rows = db.session.execute(
        select(
            CriterionEvidence.application_id, CriterionEvidence.criterion_id, CriterionEvidence.text
        )
        .join(Application, Application.id == CriterionEvidence.application_id)
        .where(*_in_chunk(conditions, after, last))
    )
    return {(a, c): t for a, c, t in rows}


def iter_rows(
    vacancy_id: int, selection: dict[str, Any], criteria: Sequence[Criterion]
) -> Iterator[ExportRow]:
    """Yield the export's rows in application order, CHUNK at a time."""
    conditions = scope(vacancy_id, selection)
    after = 0
    while True:
        base = _base_rows(conditions, after)
        if not base:
            return
        last = base[-1].id
        scores = _scores_for(conditions, after, last)
        evidence = _evidence_for(conditions, after, last)
        for r in base:
            yield ExportRow(
                application_id=r.id,
                candidate_number=r.candidate_number or "",
                identified=bool(r.identified),
                full_name=r.full_name,
                email=r.email,
                status=r.status,
                submitted_at=r.submitted_at,
                last_moved_at=r.last_moved,
                statement=r.statement or "",
                cv_key=r.storage_key,
                cv_name=r.original_name,
                scores=[scores.get((r.id, c.id), CriterionScore(None, None)) for c in criteria],
                evidence=[evidence.get((r.id, c.id), "") for c in criteria],
            )
        after = last


def meets_essentials(row: ExportRow, criteria: Sequence[Criterion]) -> bool | None:
    """True/False once every essential criterion has a score; None while any is unscored."""
    verdicts = [
        score.effective
        for score, criterion in zip(row.scores, criteria, strict=True)
        if criterion.kind is CriterionKind.ESSENTIAL
    ]
    if not verdicts or any(v is None for v in verdicts):
        return None
    return all(v is not None and v >= MEETS for v in verdicts)
