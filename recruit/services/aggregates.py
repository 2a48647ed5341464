"""Score aggregates in SQL, so the board ranks and filters thousands of applications in one query.

Per application: the effective overall score (the mean over criteria of the agreed score where
recorded, else the assessors' mean), the largest spread between assessors on any criterion, and
how many essential criteria fall below "meets" or are still unscored. Built as grouped
subqueries that the board joins, never computed row by row in Python.

The scope decides what they cost: the board passes the ids of the page it shows (ten rows,
whatever the vacancy's size), and the whole filtered set only when it sorts or filters by score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Select,
    Subquery,
    and_,
    case,
    cast,
    func,
    select,
)

from recruit.models import AgreedScore, Application, Criterion, CriterionKind, Score
from recruit.services.board_scope import Viewer
from recruit.services.scoring import MEETS

# Application ids, or an expanding bound parameter that stands for them.
Ids = Sequence[int] | BindParameter[Any]
AnySelect = Select[*tuple[Any, ...]]


def aggregates(scope: Sequence[ColumnElement[bool]], ids: Ids | None = None) -> Subquery:
    """Per application: effective overall score, assessor spread and essential-criteria counts.

    Over the applications in `scope`, or, given `ids`, over just those applications.
    """
    per_criterion = select(
        Score.application_id,
        Score.criterion_id,
        cast(func.avg(Score.score), Float).label("mean"),
        (func.max(Score.score) - func.min(Score.score)).label("spread"),
    ).where(Score.submitted_at.is_not(None), Score.score.is_not(None))
    agreed_on = [AgreedScore.application_id == Application.id]
    if ids is None:
        per_criterion = per_criterion.join(
            Application, Application.id == Score.application_id
        ).where(*scope)
    else:
        # The ids straight on each table, so the planner sees how few rows there are and reads
        # them by index, whatever the size of the vacancy.
        per_criterion = per_criterion.where(Score.application_id.in_(ids))
        agreed_on.append(AgreedScore.application_id.in_(ids))
        scope = [Application.id.in_(ids)]
    grouped = per_criterion.group_by(Score.application_id, Score.criterion_id).subquery(
        "per_criterion"
    )
    effective = func.coalesce(cast(AgreedScore.score, Float), grouped.c.mean)
    essential = Criterion.kind == CriterionKind.ESSENTIAL
    return (
        select(
            Application.id.label("application_id"),
            func.avg(effective).label("overall"),
            func.max(grouped.c.spread).label("spread"),
            func.sum(case((and_(essential, effective < MEETS), 1), else_=0)).label("failed"),
            func.sum(case((and_(essential, effective.is_(None)), 1), else_=0)).label("open"),
        )
        .join(Criterion, Criterion.vacancy_id == Application.vacancy_id)
        .outerjoin(
            grouped,
            and_(
                grouped.c.application_id == Application.id, grouped.c.criterion_id == Criterion.id
            ),
        )
        .outerjoin(AgreedScore, and_(*agreed_on, AgreedScore.criterion_id == Criterion.id))
        .where(*scope)
        .group_by(Application.id)
        .subquery("aggregates")
    )


def own_progress(viewer: Viewer, application_ids: Ids | None = None) -> Subquery:
    """Per application (of `application_ids`, or all): how many of the viewer's own scores
    exist and are submitted."""
    conditions = [Score.assessor_id == viewer.id]
    if application_ids is not None:
        conditions.append(Score.application_id.in_(application_ids))
    return (
        select(
            Score.application_id,
            func.count(Score.id).label("started"),
            func.count(Score.submitted_at).label("submitted"),
        )
        .where(*conditions)
        .group_by(Score.application_id)
        .subquery("own")
    )


@dataclass(frozen=True)
class ScoreColumns:
    """The score aggregates joined to Application, and the figures the viewer may see."""

    aggregates: Subquery
    own: Subquery
    visible: ColumnElement[bool]
    overall: ColumnElement[Any]
    spread: ColumnElement[Any]

    def joined(self, stmt: AnySelect) -> AnySelect:
        """`stmt` with the aggregates and the viewer's own progress joined on."""
        return stmt.outerjoin(
            self.aggregates, self.aggregates.c.application_id == Application.id
        ).outerjoin(self.own, self.own.c.application_id == Application.id)


def score_columns(
    viewer: Viewer, scope: Sequence[ColumnElement[bool]], ids: Ids | None = None
) -> ScoreColumns:
    """The aggregates over `scope` (or just `ids`) and the figures `viewer` may see of them."""
    agg, own = aggregates(scope, ids), own_progress(viewer, ids)
    # recruit.services.access.can_see_others: once the viewer's own set is submitted (or they
    # chose to see the panel's scores without scoring), whatever their role.
    visible = func.coalesce(own.c.submitted, 0) > 0
    overall = case((visible, agg.c.overall), else_=None)
    spread = case((visible, agg.c.spread), else_=None)
    return ScoreColumns(agg, own, visible, overall, spread)
