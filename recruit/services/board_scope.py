"""What the board may list and is narrowed to: the viewer's scope and the filters, as SQL.

Split from `recruit.services.board` (which re-exports these names) so each module stays small;
these are the SQL twins of the rules in `recruit.services.access`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, exists, false, select, true

from recruit.models import (
    Application,
    ApplicationStatus,
    PanelAssignment,
    Role,
    VacancyRecruiter,
    VacancySector,
    VacancyTheme,
)
from recruit.services.access import SIFT_STATUSES


class Viewer(Protocol):
    """Who is looking: a User, or a stand-in whose id is a bound parameter (a statement built
    once and run for many viewers of one role)."""

    @property
    def id(self) -> Any:
        """The user's id, or a bound parameter standing for it."""

    @property
    def role(self) -> Role:
        """The user's role, which decides the statement's shape."""


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


def role_scope(viewer: Viewer) -> list[ColumnElement[bool]]:
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


def base_scope(viewer: Viewer, filters: BoardFilters) -> list[ColumnElement[bool]]:
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


def adjustments_scope(viewer: Viewer) -> ColumnElement[bool]:
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
