"""Score aggregates in SQL, so the board ranks and filters thousands of applications in one query.

Per application: the effective overall score (the mean over criteria of the agreed score where
recorded, else the assessors' mean), the largest spread between assessors on any criterion, and
how many essential criteria fall below "meets" or are still unscored. Built as grouped
subqueries that the board joins, never computed row by row in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Float, Subquery, and_, case, cast, func, select

from recruit.models import AgreedScore, Application, Criterion, CriterionKind, Score, User
from recruit.services.scoring import MEETS


def aggregates(scope: Sequence[ColumnElement[bool]]) -> Subquery:
    """Per application: effective overall score, assessor spread and essential-criteria counts."""
    per_criterion = (
        select(
            Score.application_id,
            Score.criterion_id,
            cast(func.avg(Score.score), Float).label("mean"),
            (func.max(Score.score) - func.min(Score.score)).label("spread"),
        )
        .join(Application, Application.id == Score.application_id)
        .where(Score.submitted_at.is_not(None), Score.score.is_not(None), *scope)
        .group_by(Score.application_id, Score.criterion_id)
        .subquery("per_criterion")
    )
    effective = func.coalesce(cast(AgreedScore.score, Float), per_criterion.c.mean)
    essential = Criterion.kind == CriterionKind.ESSENTIAL
    return (
        select(
            Application.id.label("application_id"),
            func.avg(effective).label("overall"),
            func.max(per_criterion.c.spread).label("spread"),
            func.sum(case((and_(essential, effective < MEETS), 1), else_=0)).label("failed"),
            func.sum(case((and_(essential, effective.is_(None)), 1), else_=0)).label("open"),
        )
        .join(Criterion, Criterion.vacancy_id == Application.vacancy_id)
        .outerjoin(
            per_criterion,
            and_(
                per_criterion.c.application_id == Application.id,
                per_criterion.c.criterion_id == Criterion.id,
            ),
        )
        .outerjoin(
            AgreedScore,
            and_(
                AgreedScore.application_id == Application.id,
                AgreedScore.criterion_id == Criterion.id,
            ),
        )
        .where(*scope)
        .group_by(Application.id)
        .subquery("aggregates")
    )


def own_progress(viewer: User) -> Subquery:
    """Per application: how many of the viewer's own scores exist and are submitted."""
    return (
        select(
            Score.application_id,
            func.count(Score.id).label("started"),
            func.count(Score.submitted_at).label("submitted"),
        )
        .where(Score.assessor_id == viewer.id)
        .group_by(Score.application_id)
        .subquery("own")
    )
