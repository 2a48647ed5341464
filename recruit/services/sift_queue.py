"""The sift queue: where an application sits in its vacancy's sift, for next and previous links.

The queue is the sift list's order: the vacancy's application list as the viewer sees it
(`recruit.services.board.role_scope`), narrowed to the applications in the sift
(`recruit.services.access.SIFT_STATUSES`: under review and every later stage, never submitted-
but-unreviewed, withdrawn or drafts), oldest submitted first and then by id, which is the
board's default sort ("Submitted, oldest first"). One statement, whatever the size of the
vacancy: the place as two counts, with the previous and next ids as scalar subqueries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from recruit.extensions import db
from recruit.models import Application, User
from recruit.services.access import SIFT_STATUSES
from recruit.services.board_scope import role_scope


@dataclass(frozen=True)
class QueuePlace:
    """An application's neighbours in the sift queue and its place, counting from 1."""

    previous_id: int | None
    next_id: int | None
    position: int
    total: int


def _before(application: Application) -> ColumnElement[bool]:
    submitted, key = application.submitted_at, application.id
    return or_(
        Application.submitted_at < submitted,
        and_(Application.submitted_at == submitted, Application.id < key),
    )


def _after(application: Application) -> ColumnElement[bool]:
    submitted, key = application.submitted_at, application.id
    return or_(
        Application.submitted_at > submitted,
        and_(Application.submitted_at == submitted, Application.id > key),
    )


def queue_scope(viewer: User, vacancy_id: int) -> list[ColumnElement[bool]]:
    """The applications in the viewer's sift queue for the vacancy."""
    return [
        Application.vacancy_id == vacancy_id,
        Application.status.in_(sorted(SIFT_STATUSES)),
        *role_scope(viewer),
    ]


def place(viewer: User, application: Application) -> QueuePlace | None:
    """The application's place in the viewer's sift queue, or None when it is not in the sift."""
    if application.status not in SIFT_STATUSES or application.submitted_at is None:
        return None
    scope = queue_scope(viewer, application.vacancy_id)
    forward: list[Any] = [Application.submitted_at, Application.id]
    backward: list[Any] = [Application.submitted_at.desc(), Application.id.desc()]
    # Uncorrelated: each neighbour is its own index seek, not a lookup per counted row.
    previous = (
        select(Application.id).where(*scope, _before(application)).order_by(*backward).limit(1)
    )
    following = (
        select(Application.id).where(*scope, _after(application)).order_by(*forward).limit(1)
    )
    counted = db.session.execute(
        select(
            previous.correlate(None).scalar_subquery(),
            following.correlate(None).scalar_subquery(),
            func.count(Application.id),
            func.sum(case((_before(application), 1), else_=0)),
        ).where(*scope)
    ).one()
    previous_id, next_id = counted[0], counted[1]
    total, before = int(counted[2] or 0), int(counted[3] or 0)
    return QueuePlace(previous_id, next_id, before + 1, max(total, before + 1))
