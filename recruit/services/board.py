"""The pipeline board: stage counts, the list's pages and the board's columns of cards.

One page costs the same few statements whatever the number of applications: the counts are one
grouped query; the page's ids are read in order with LIMIT/OFFSET (and the total, as a window
count); then just those rows as plain column tuples (no ORM entities), with the name or
candidate number the anonymity rule allows and the score aggregates as grouped subqueries over
those ids. Only a sort or filter by score aggregates every row in scope, in SQL, to order them.
The board's columns read the first few ids of each stage in one UNION ALL, then the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
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
    union_all,
)

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, Role, User, Vacancy
from recruit.services import adjustments, guarantee
from recruit.services.aggregates import AnySelect, score_columns
from recruit.services.board_scope import BANDS as BANDS
from recruit.services.board_scope import LISTS as LISTS
from recruit.services.board_scope import SORTS as SORTS
from recruit.services.board_scope import BoardFilters as BoardFilters
from recruit.services.board_scope import BoardRow as BoardRow
from recruit.services.board_scope import (
    Viewer,
    band_condition,
    base_scope,
    identified_expr,
    order_by,
    row_scope,
)
from recruit.services.board_scope import adjustments_scope as adjustments_scope
from recruit.services.board_scope import role_scope as role_scope


def stage_counts(viewer: User, filters: BoardFilters) -> dict[ApplicationStatus, int]:
    """How many applications sit in each stage, in one grouped query."""
    rows = db.session.execute(
        select(Application.status, func.count(Application.id))
        .where(*base_scope(viewer, filters))
        .group_by(Application.status)
    )
    return {status: count for status, count in rows}


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
    return filters.sort in SCORE_SORTS or band_condition(filters.band, null()) is not None


def board_query(viewer: User, filters: BoardFilters, counted: bool = True) -> AnySelect:
    """The filtered, ordered application ids behind the list (no LIMIT), each with the total
    as a window count when `counted`.

    Aggregates every row in scope only when the sort or the band filter needs the scores.
    """
    scope = base_scope(viewer, filters) + row_scope(filters)
    columns = [Application.id, func.count().over().label("total")] if counted else [Application.id]
    stmt = select(*columns).where(*scope)
    if not needs_scores(filters):
        return stmt.order_by(*order_by(filters.sort, null(), null()))
    scores = score_columns(viewer, scope)
    stmt = scores.joined(stmt).order_by(*order_by(filters.sort, scores.overall, scores.spread))
    band = band_condition(filters.band, scores.overall)
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
    # The name leaves the database only when the anonymity rule shows it.
    name = case((identified_expr(), User.full_name), else_=null())
    stmt = select(
        Application.id,
        Application.status,
        Application.submitted_at,
        name.label("name"),
        Application.candidate_number,
        Application.vacancy_id,
        Vacancy.title,
        Application.on_longlist,
        Application.on_shortlist,
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
    return stmt.where(*scope)


def _row(values: Any) -> BoardRow:
    id_, status, submitted_at, name, number, vacancy_id, title, longlist, shortlist = values[:9]
    visible, overall, spread, failed, open_, started, submitted, marked, waiting = values[9:]
    return BoardRow(
        id=id_,
        status=status,
        submitted_at=submitted_at,
        identity=name if name is not None else f"Candidate {number}",
        vacancy_id=vacancy_id,
        vacancy_title=title,
        on_longlist=bool(longlist),
        on_shortlist=bool(shortlist),
        scores_visible=bool(visible),
        overall=float(overall) if overall is not None else None,
        spread=int(spread) if spread is not None else None,
        essential_failed=bool(failed),
        essential_open=bool(open_),
        own_state="submitted" if submitted else ("draft" if started else ""),
        guaranteed=bool(marked),
        adjustments_waiting=int(waiting or 0),
    )


def rows_for(viewer: User, ids: Sequence[int]) -> list[BoardRow]:
    """The board rows of `ids` as `viewer` sees them, in the order of `ids` (one statement)."""
    if not ids:
        return []
    found = db.session.execute(rows_query(viewer.role), rows_params(viewer, ids))
    rows = {values[0]: _row(values) for values in found}
    return [rows[i] for i in ids if i in rows]


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
        return rows_for(self._query_args["viewer"], [row.id for row in found])

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
    unfiltered = not row_scope(filters) and band_condition(filters.band, null()) is None
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


# The cards a board column shows; the rest are a link to the list filtered to that stage.
CARDS_PER_COLUMN: Final = 8


def column_cards(
    viewer: User,
    vacancy_id: int,
    counts: dict[ApplicationStatus, int],
    per_column: int = CARDS_PER_COLUMN,
) -> dict[ApplicationStatus, list[BoardRow]]:
    """The first `per_column` applications of each non-empty stage, oldest submitted first.

    Two statements whatever the vacancy's size: each stage's first ids (one LIMITed select per
    stage, in one UNION ALL, each reading the vacancy's submitted-order index), then their rows.
    """
    stages = [s for s in counts if counts[s]]
    columns: dict[ApplicationStatus, list[BoardRow]] = {s: [] for s in stages}
    if not stages:
        return columns
    scope = [Application.vacancy_id == vacancy_id, *role_scope(viewer)]
    firsts = [
        select(Application.id)
        .where(*scope, Application.status == stage)
        .order_by(Application.submitted_at, Application.id)
        .limit(per_column)
        .subquery()
        for stage in stages
    ]
    picked = union_all(*(select(first.c.id) for first in firsts))
    ids = sorted(db.session.scalars(picked))
    for row in sorted(rows_for(viewer, ids), key=_submitted_order):
        if row.status in columns:
            columns[row.status].append(row)
    return columns


def _submitted_order(row: BoardRow) -> tuple[datetime, int]:
    return (row.submitted_at or datetime.min.replace(tzinfo=UTC), row.id)
