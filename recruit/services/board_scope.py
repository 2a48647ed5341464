"""What the board may list, is narrowed to and shows: scope and filters as SQL, and its row.

Split from `recruit.services.board` (which re-exports these names) so each module stays small;
these are the SQL twins of the rules in `recruit.services.access`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from recruit.formatting import to_uk
from recruit.models import (
    Application,
    ApplicationStatus,
    IdentityReveal,
    PanelAssignment,
    Role,
    Vacancy,
    VacancyRecruiter,
    VacancySector,
    VacancyTheme,
)
from recruit.services.access import IDENTIFIED_STATUSES, SIFT_STATUSES
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


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One application on the board, as plain values, with the score figures the viewer may
    see and the identity the anonymity rule allows (name, or 'Candidate N')."""

    id: int
    status: ApplicationStatus
    submitted_at: datetime | None
    identity: str
    vacancy_id: int
    vacancy_title: str
    on_longlist: bool
    on_shortlist: bool
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
    def reference(self) -> str:
        """The APP- reference, as `Application.reference` spells it."""
        return f"APP-{self.id:06d}"

    @property
    def submitted_label(self) -> str:
        """When it was submitted, date and UK time, short: '3 Mar 2026, 4:05pm'."""
        if self.submitted_at is None:
            return ""
        local = to_uk(self.submitted_at)
        hour = local.hour % 12 or 12
        return f"{local.day} {local:%b %Y}, {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"

    @property
    def submitted_iso(self) -> str:
        """The submitted instant for a <time datetime> attribute."""
        # Whole seconds: a fraction adds nothing a reader needs, and digits that look like scores.
        if self.submitted_at is None:
            return ""
        return self.submitted_at.replace(microsecond=0).isoformat()

    @property
    def essential_verdict(self) -> bool | None:
        """True: meets every essential criterion; False: misses one; None: not known yet."""
        if not self.scores_visible:
            return None
        if self.essential_failed:
            return False
        return None if self.essential_open else True


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


def identified_expr() -> ColumnElement[bool]:
    """SQL twin of `recruit.services.access.identity_visible` for an assessor (the board is
    for assessors only): the name shows unless the sift is anonymised, until the shortlist or
    a recorded reveal."""
    revealed = exists().where(IdentityReveal.application_id == Application.id)
    return or_(
        Vacancy.anonymised_sift.is_(False),
        Application.status.in_(sorted(IDENTIFIED_STATUSES)),
        revealed,
    )


def band_condition(band: str, overall: ColumnElement[Any]) -> ColumnElement[bool] | None:
    """The score band filter on the effective overall score; None for 'any score'."""
    return {
        "unscored": overall.is_(None),
        "below": overall < MEETS,
        "meets": and_(overall >= MEETS, overall < MEETS + 1),
        "strong": overall >= MEETS + 1,
    }.get(band)


def order_by(sort: str, overall: ColumnElement[Any], spread: ColumnElement[Any]) -> list[Any]:
    """The ORDER BY of a sort, always ending in a unique key so pages never overlap."""
    submitted = [Application.submitted_at, Application.id]
    orders: dict[str, list[Any]] = {
        "submitted": submitted,
        "newest": [Application.submitted_at.desc(), Application.id.desc()],
        "score": [overall.is_(None), overall.desc(), *submitted],
        "spread": [spread.is_(None), spread.desc(), *submitted],
        "number": [Application.candidate_number, Application.id],
    }
    return orders.get(sort, submitted)
