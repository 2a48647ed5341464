"""The pipeline board: stage counts and a filtered, sorted, paginated list of applications.

One page costs the same few statements whatever the number of applications: the counts are one
grouped query; the page's ids are read in order with LIMIT/OFFSET (and the total, as a window
count); then just those rows, with their candidates, vacancies and reveals, and their score
aggregates as grouped subqueries over those ids. Only a sort or filter by score aggregates every
row in scope, in SQL, to order them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    and_,
    bindparam,
    case,
    func,
    null,
    select,
)
from sqlalchemy.orm import contains_eager, selectinload

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, Role, User, Vacancy
from recruit.services import adjustments, guarantee
from recruit.services.aggregates import AnySelect, score_columns
from recruit.services.board_scope import BoardFilters as BoardFilters
from recruit.services.board_scope import Viewer, base_scope, row_scope
from recruit.services.board_scope import adjustments_scope as adjustments_scope
from recruit.services.board_scope import role_scope as role_scope
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


def _mark_columns(viewer: Viewer) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The guaranteed-interview mark and the count of unacknowledged adjustment requests."""
    sees = adjustments_scope(viewer)
    marked = and_(sees, guarantee.opted_in_expr(), guarantee.meets_minimum_expr())
    waiting = case((sees, adjustments.waiting_expr()), else_=0)
    return case((marked, True), else_=False).label("guaranteed"), waiting.label("waiting")


# Sorts and the score-band filter that need every row's score aggregates; the others order by
# application columns alone, so only the page's rows are ever aggregated.
SCORE_SORTS: Final = frozenset({"score", "spread"})


def needs_scores(filters: BoardFilters) -> bool:
    """Whether ordering or narrowing the list needs every row's score aggregates."""
    return filters.sort in SCORE_SORTS or _band_condition(filters.band, null()) is not None


def board_query(viewer: User, filters: BoardFilters, counted: bool = True) -> AnySelect:
    """The filtered, ordered application ids behind the list (no LIMIT), each with the total
    as a window count when `counted`.

    Aggregates every row in scope only when the sort or the band filter needs the scores.
    """
    scope = base_scope(viewer, filters) + row_scope(filters)
    columns = [Application.id, func.count().over().label("total")] if counted else [Application.id]
    stmt = select(*columns).where(*scope)
    if not needs_scores(filters):
        return stmt.order_by(*_order(filters.sort, null(), null()))
    scores = score_columns(viewer, scope)
    stmt = scores.joined(stmt).order_by(*_order(filters.sort, scores.overall, scores.spread))
    band = _band_condition(filters.band, scores.overall)
    return stmt if band is None else stmt.where(band)


# Building the rows statement costs more than running it: it is built once per role, with the
# viewer and the page's ids as bound parameters (`rows_params`).
_ROWS: dict[Role, AnySelect] = {}
_IDS: Final[BindParameter[Any]] = bindparam("board_ids", expanding=True)
_VIEWER_ID: Final[BindParameter[int]] = bindparam("board_viewer_id", type_=Integer())


@dataclass(frozen=True)
class _BoundViewer:
    """A viewer of one role whose id is bound when the statement runs."""

    role: Role
    id: BindParameter[int] = _VIEWER_ID


def rows_query(role: Role) -> AnySelect:
    """The board rows of the applications in `board_ids` as `board_viewer_id` (of `role`) sees
    them, with score aggregates over just those applications."""
    built = _ROWS.get(role)
    if built is None:
        built = _ROWS[role] = _rows_statement(_BoundViewer(role))
    return built


def rows_params(viewer: User, ids: Sequence[int]) -> dict[str, Any]:
    """The parameters `rows_query(viewer.role)` runs with."""
    return {"board_viewer_id": viewer.id, "board_ids": list(ids)}


def _rows_statement(viewer: Viewer) -> AnySelect:
    scope = [Application.id.in_(_IDS), *role_scope(viewer)]
    scores = score_columns(viewer, scope, _IDS)
    agg, own = scores.aggregates, scores.own
    stmt = select(
        Application,
        scores.visible.label("visible"),
        scores.overall.label("overall"),
        scores.spread.label("spread"),
        agg.c.failed,
        agg.c.open,
        own.c.started,
        own.c.submitted,
        *_mark_columns(viewer),
    ).join(Vacancy, Vacancy.id == Application.vacancy_id)
    stmt = scores.joined(stmt.join(User, User.id == Application.candidate_id))
    return stmt.where(*scope).options(
        contains_eager(Application.vacancy),
        contains_eager(Application.candidate),
        selectinload(Application.reveals),
    )


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
    """One page of board rows, with the page arithmetic the pagination template expects.

    Two statements: the page's ids in order (with the total as a window count, unless the stage
    counts already give it), then the rows of just those ids with their aggregates. A page past
    the end counts separately.
    """

    def _query_items(self) -> list[Any]:
        # Written into the SQL, not bound: a prepared statement's generic plan that cannot see
        # "LIMIT 10" guesses a tenth of the vacancy and sorts it all instead of reading the index.
        limit: BindParameter[int] = bindparam("board_limit", self.per_page, literal_execute=True)
        offset: BindParameter[int] = bindparam(
            "board_offset", self._query_offset, literal_execute=True
        )
        ordered = self._query_args["select"].limit(limit).offset(offset)
        found = db.session.execute(ordered).all()
        if not found:
            return []
        if self._query_args["total"] is None:
            self._query_args["total"] = int(found[0].total)
        ids = [row.id for row in found]
        viewer: User = self._query_args["viewer"]
        rows = {
            values[0].id: _row(values)
            for values in db.session.execute(rows_query(viewer.role), rows_params(viewer, ids))
        }
        return [rows[i] for i in ids if i in rows]

    def _query_count(self) -> int:
        known: int | None = self._query_args["total"]
        if known is not None:
            return known
        stmt = self._query_args["select"].order_by(None)
        counted = select(func.count()).select_from(stmt.subquery())
        return int(db.session.scalar(counted) or 0)


def board_page(
    viewer: User,
    filters: BoardFilters,
    page: int,
    per_page: int,
    counts: dict[ApplicationStatus, int] | None = None,
) -> BoardPage:
    """A page of the board for `viewer`; a page past the end is simply empty.

    `counts`, the `stage_counts` for the same filters, give the total when no per-application
    filter narrows the list, so the page reads only its own rows of the ordering index.
    """
    # Sorting by score reorders the rows but drops none; a band or a row filter drops some.
    unfiltered = not row_scope(filters) and _band_condition(filters.band, null()) is None
    total = sum(counts.values()) if counts is not None and unfiltered else None
    return BoardPage(
        page=page,
        per_page=per_page,
        error_out=False,
        select=board_query(viewer, filters, counted=total is None),
        viewer=viewer,
        total=total,
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
