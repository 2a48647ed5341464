"""The pipeline board: stage counts and a filtered, sorted, paginated list of applications.

One page costs the same few statements whatever the number of applications: the counts are one
grouped query, the score aggregates are grouped subqueries joined in SQL, and the page is read
with LIMIT/OFFSET with its candidates, vacancies and reveals loaded alongside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    select,
    true,
)
from sqlalchemy.orm import contains_eager, selectinload

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    PanelAssignment,
    Role,
    User,
    Vacancy,
    VacancyRecruiter,
    VacancySector,
    VacancyTheme,
)
from recruit.services import adjustments, guarantee
from recruit.services.access import SIFT_STATUSES
from recruit.services.aggregates import aggregates, own_progress
from recruit.services.scoring import MEETS

BANDS: Final[dict[str, str]] = {
    "unscored": "Not scored yet",
    "below": "Below meets (under 2)",
    "meets": "Meets (2 to 2.9)",
    "strong": "Strong (3 or more)",
}
SORTS: Final[dict[str, str]] = {
    "submitted": "Submitted, oldest first",
    "newest": "Submitted, newest first",
    "score": "Score, highest first",
    "spread": "Disagreement between assessors, largest first",
    "number": "Candidate number",
}
LISTS: Final[dict[str, str]] = {"longlist": "On the longlist", "shortlist": "On the shortlist"}


@dataclass(frozen=True)
class BoardFilters:
    """What the list is narrowed to and ordered by; empty strings mean 'any'."""

    vacancy_id: int | None = None
    status: ApplicationStatus | None = None
    band: str = ""
    listed: str = ""
    theme: str = ""
    sector: str = ""
    submitted_from: datetime | None = None
    submitted_before: datetime | None = None
    sort: str = "submitted"


@dataclass(frozen=True)
class BoardRow:
    """One application on the board with the score figures the viewer may see."""

    application: Application
    scores_visible: bool
    overall: float | None
    spread: int | None
    essential_failed: bool
    essential_open: bool
    own_state: str  # "submitted", "draft" or "" (not started)
    # Only for the vacancy's recruiters and admins (`adjustments_scope`); False/0 for others.
    guaranteed: bool = False
    adjustments_waiting: int = 0

    @property
    def essential_verdict(self) -> bool | None:
        """True: meets every essential criterion; False: misses one; None: not known yet."""
        if not self.scores_visible:
            return None
        if self.essential_failed:
            return False
        return None if self.essential_open else True


def role_scope(viewer: User) -> list[ColumnElement[bool]]:
    """What the viewer may list at all: never drafts; panel members their panels from the sift,
    recruiters their teams' vacancies, admins everything."""
    conditions: list[ColumnElement[bool]] = [Application.status != ApplicationStatus.DRAFT]
    if viewer.role is Role.PANEL:
        assigned = select(PanelAssignment.vacancy_id).where(PanelAssignment.user_id == viewer.id)
        conditions += [
            Application.status.in_(sorted(SIFT_STATUSES)),
            Application.vacancy_id.in_(assigned),
        ]
    elif viewer.role is Role.RECRUITER:
        # recruit.services.access.may_open_applications: a recruiter lists only the
        # applications of vacancies whose hiring team they are on.
        runs = select(VacancyRecruiter.vacancy_id).where(VacancyRecruiter.user_id == viewer.id)
        conditions.append(Application.vacancy_id.in_(runs))
    elif viewer.role is not Role.ADMIN:
        conditions.append(Application.id.is_(None))
    return conditions


def base_scope(viewer: User, filters: BoardFilters) -> list[ColumnElement[bool]]:
    """The viewer's scope narrowed to the vacancy, theme and sector: what stage counts cover."""
    conditions = role_scope(viewer)
    if filters.vacancy_id is not None:
        conditions.append(Application.vacancy_id == filters.vacancy_id)
    if filters.theme:
        conditions.append(
            exists().where(
                VacancyTheme.vacancy_id == Application.vacancy_id,
                VacancyTheme.theme == filters.theme,
            )
        )
    if filters.sector:
        conditions.append(
            exists().where(
                VacancySector.vacancy_id == Application.vacancy_id,
                VacancySector.sector == filters.sector,
            )
        )
    return conditions


def row_scope(filters: BoardFilters) -> list[ColumnElement[bool]]:
    """The per-application filters: stage, submitted dates and list membership."""
    conditions: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(Application.status == filters.status)
    if filters.submitted_from is not None:
        conditions.append(Application.submitted_at >= filters.submitted_from)
    if filters.submitted_before is not None:
        conditions.append(Application.submitted_at < filters.submitted_before)
    if filters.listed == "longlist":
        conditions.append(Application.on_longlist.is_(True))
    elif filters.listed == "shortlist":
        conditions.append(Application.on_shortlist.is_(True))
    return conditions


def stage_counts(viewer: User, filters: BoardFilters) -> dict[ApplicationStatus, int]:
    """How many applications sit in each stage, in one grouped query."""
    rows = db.session.execute(
        select(Application.status, func.count(Application.id))
        .where(*base_scope(viewer, filters))
        .group_by(Application.status)
    )
    return {status: count for status, count in rows}


def _band_condition(band: str, overall: ColumnElement[Any]) -> ColumnElement[bool] | None:
    return {
        "unscored": overall.is_(None),
        "below": overall < MEETS,
        "meets": and_(overall >= MEETS, overall < MEETS + 1),
        "strong": overall >= MEETS + 1,
    }.get(band)


def _order(sort: str, overall: ColumnElement[Any], spread: ColumnElement[Any]) -> list[Any]:
    submitted = [Application.submitted_at, Application.id]
    orders: dict[str, list[Any]] = {
        "submitted": submitted,
        "newest": [Application.submitted_at.desc(), Application.id.desc()],
        "score": [overall.is_(None), overall.desc(), *submitted],
        "spread": [spread.is_(None), spread.desc(), *submitted],
        "number": [Application.candidate_number, Application.id],
    }
    return orders.get(sort, submitted)


def adjustments_scope(viewer: User) -> ColumnElement[bool]:
    """SQL twin of `recruit.services.access.may_see_adjustments`: admins, and recruiters who
    run the application's vacancy; never panel members."""
    if viewer.role is Role.ADMIN:
        return true()
    if viewer.role is not Role.RECRUITER:
        return false()
    return exists().where(
        VacancyRecruiter.vacancy_id == Application.vacancy_id,
        VacancyRecruiter.user_id == viewer.id,
    )


def _mark_columns(viewer: User) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The guaranteed-interview mark and the count of unacknowledged adjustment requests."""
    sees = adjustments_scope(viewer)
    marked = and_(sees, guarantee.opted_in_expr(), guarantee.meets_minimum_expr())
    waiting = case((sees, adjustments.waiting_expr()), else_=0)
    return case((marked, True), else_=False).label("guaranteed"), waiting.label("waiting")


def board_query(viewer: User, filters: BoardFilters) -> Select[Any]:
    """The filtered, ordered statement behind the list (without LIMIT/OFFSET)."""
    scope = base_scope(viewer, filters) + row_scope(filters)
    agg, own = aggregates(scope), own_progress(viewer)
    # recruit.services.access.can_see_others: once the viewer's own set is submitted (or they
    # chose to see the panel's scores without scoring), whatever their role.
    visible = func.coalesce(own.c.submitted, 0) > 0
    overall = case((visible, agg.c.overall), else_=None)
    spread = case((visible, agg.c.spread), else_=None)
    stmt = (
        select(
            Application,
            visible.label("visible"),
            overall.label("overall"),
            spread.label("spread"),
            agg.c.failed,
            agg.c.open,
            own.c.started,
            own.c.submitted,
            *_mark_columns(viewer),
        )
        .join(Vacancy, Vacancy.id == Application.vacancy_id)
        .join(User, User.id == Application.candidate_id)
        .outerjoin(agg, agg.c.application_id == Application.id)
        .outerjoin(own, own.c.application_id == Application.id)
        .where(*scope)
        .options(
            contains_eager(Application.vacancy),
            contains_eager(Application.candidate),
            selectinload(Application.reveals),
        )
        .order_by(*_order(filters.sort, overall, spread))
    )
    band = _band_condition(filters.band, overall)
    return stmt if band is None else stmt.where(band)


def _row(values: Any) -> BoardRow:
    application, visible, overall, spread, failed, open_, started, submitted = values[:8]
    marked, waiting = values[8:]
    return BoardRow(
        application=application,
        scores_visible=bool(visible),
        overall=float(overall) if overall is not None else None,
        spread=int(spread) if spread is not None else None,
        essential_failed=bool(failed),
        essential_open=bool(open_),
        own_state="submitted" if submitted else ("draft" if started else ""),
        guaranteed=bool(marked),
        adjustments_waiting=int(waiting or 0),
    )


class BoardPage(Pagination):
    """One page of board rows, with the page arithmetic the pagination template expects."""

    def _query_items(self) -> list[Any]:
        stmt = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return [_row(values) for values in db.session.execute(stmt)]

    def _query_count(self) -> int:
        stmt = self._query_args["select"].order_by(None)
        counted = select(func.count()).select_from(stmt.subquery())
        return int(db.session.scalar(counted) or 0)


def board_page(viewer: User, filters: BoardFilters, page: int, per_page: int) -> BoardPage:
    """A page of the board for `viewer`; a page past the end is simply empty."""
    return BoardPage(
        page=page, per_page=per_page, error_out=False, select=board_query(viewer, filters)
    )


def counts_by_vacancy(
    viewer: User, vacancy_ids: Sequence[int]
) -> dict[int, dict[ApplicationStatus, int]]:
    """Applications the viewer may see, per vacancy and stage, in one grouped query."""
    counts: dict[int, dict[ApplicationStatus, int]] = {vid: {} for vid in vacancy_ids}
    if not vacancy_ids:
        return counts
    rows = db.session.execute(
        select(Application.vacancy_id, Application.status, func.count(Application.id))
        .where(Application.vacancy_id.in_(vacancy_ids), *role_scope(viewer))
        .group_by(Application.vacancy_id, Application.status)
    )
    for vacancy_id, status, count in rows:
        counts[vacancy_id][status] = count
    return counts
