"""Finding the vacancies the public may see: open ones, filtered, searched and paged."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from recruit.extensions import db
from recruit.models import (
    Vacancy,
    VacancySector,
    VacancyStatus,
    VacancyTheme,
    db_moment,
    db_now,
)

MAX_TERMS = 10
# The vacancies the public may see: never a draft.
PUBLIC_STATUSES = (VacancyStatus.PUBLISHED, VacancyStatus.CLOSED)
# The list's orders, by the value of its `sort` argument; the first is the default.
SORTS: dict[str, str] = {
    "closing": "Closing soonest",
    "newest": "Newest",
    "salary": "Highest salary",
}
DEFAULT_SORT = "closing"
# An amount in a salary band: `£110,000`, `95000`, `£85k`, `£92.5k`.
_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(k\b)?", re.IGNORECASE | re.ASCII)
# Smaller numbers in a band are not annual pay (`4 days a week`, `Grade 7`).
_LEAST_SALARY = 1000


@dataclass(frozen=True)
class VacancyQuery:
    """What the visitor asked for; empty strings mean 'any'."""

    text: str = ""
    theme: str = ""
    sector: str = ""


@dataclass
class Page:
    """One page of results and enough to draw the pagination."""

    items: list[Vacancy]
    total: int
    number: int
    size: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.size))

    def links(self) -> list[int | None]:
        """Page numbers to show, GOV.UK style: first, last, neighbours; None marks an ellipsis."""
        wanted = {1, self.pages, self.number - 1, self.number, self.number + 1}
        shown = sorted(n for n in wanted if 1 <= n <= self.pages)
        result: list[int | None] = []
        previous = 0
        for n in shown:
            if previous and n - previous > 1:
                result.append(None)
            result.append(n)
            previous = n
        return result


def is_open(at: datetime | None = None) -> ColumnElement[bool]:
    """SQL truth of 'accepting applications', by the database clock now or as read at `at`."""
    return open_at(db_moment(at))


def open_at(moment: ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL truth of 'accepting applications' at `moment`, any SQL timestamp (a bound one too)."""
    return and_(Vacancy.status == VacancyStatus.PUBLISHED, Vacancy.closes_at > moment)


def escape_like(term: str) -> str:
    """Make a user's text match literally inside LIKE, with backslash as the escape."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_condition(text: str) -> ColumnElement[bool] | None:
    """Every word must appear in the title, summary or description (case-insensitive)."""
    terms = text.split()[:MAX_TERMS]
    if not terms:
        return None
    conditions = []
    for term in terms:
        pattern = f"%{escape_like(term)}%"
        conditions.append(
            or_(
                Vacancy.title.ilike(pattern, escape="\\"),
                Vacancy.summary.ilike(pattern, escape="\\"),
                Vacancy.description.ilike(pattern, escape="\\"),
            )
        )
    return and_(*conditions)


def open_vacancies(query: VacancyQuery) -> Select[Vacancy]:
    """The statement for open vacancies matching `query`, soonest closing first."""
    stmt = select(Vacancy).where(is_open())
    if query.theme:
        stmt = stmt.where(
            exists().where(VacancyTheme.vacancy_id == Vacancy.id, VacancyTheme.theme == query.theme)
        )
    if query.sector:
        stmt = stmt.where(
            exists().where(
                VacancySector.vacancy_id == Vacancy.id, VacancySector.sector == query.sector
            )
        )
    text_condition = _text_condition(query.text)
    if text_condition is not None:
        stmt = stmt.where(text_condition)
    return stmt.order_by(Vacancy.closes_at, Vacancy.id)


def salary_figures(band: str) -> tuple[Decimal, Decimal] | None:
    """The highest and lowest annual amounts a salary band names; None when it names none."""
    amounts = []
    for digits, thousands in _AMOUNT.findall(band):
        try:
            amount = Decimal(digits.replace(",", ""))
        except InvalidOperation:
            continue
        amount *= 1000 if thousands else 1
        if amount >= _LEAST_SALARY:
            amounts.append(amount)
    if not amounts:
        return None
    return max(amounts), min(amounts)


def search(query: VacancyQuery, page: int, size: int, sort: str = DEFAULT_SORT) -> Page:
    """One page of open vacancies in `sort` order; a page past the end is clamped to the last.

    `closing`: soonest closing first; `newest`: latest published first; `salary`: highest top
    of band first, then highest bottom, and bands naming no amount last (each soonest closing
    first).
    """
    stmt = open_vacancies(query)
    if sort == "salary":
        return _by_salary(stmt, page, size)
    if sort == "newest":
        stmt = stmt.order_by(None).order_by(
            Vacancy.published_at.desc().nulls_last(), Vacancy.id.desc()
        )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    number = _clamped(page, total, size)
    rows = db.session.scalars(
        stmt.options(selectinload(Vacancy.theme_tags), selectinload(Vacancy.sector_tags))
        .limit(size)
        .offset((number - 1) * size)
    )
    return Page(items=list(rows), total=total, number=number, size=size)


def _clamped(page: int, total: int, size: int) -> int:
    pages = max(1, -(-total // size))
    return min(max(page, 1), pages)


def _by_salary(stmt: Select[Vacancy], page: int, size: int) -> Page:
    """Salary order: the bands are free text, so they are read here (one narrow query)."""
    found = db.session.execute(stmt.with_only_columns(Vacancy.id, Vacancy.salary_band)).all()
    figures = [(salary_figures(band), position, vid) for position, (vid, band) in enumerate(found)]
    with_amount = sorted(
        (f for f in figures if f[0] is not None),
        key=lambda f: (-f[0][0], -f[0][1], f[1]),  # type: ignore[index]
    )
    ordered = [vid for _, _, vid in with_amount] + [vid for f, _, vid in figures if f is None]
    number = _clamped(page, len(ordered), size)
    wanted = ordered[(number - 1) * size : number * size]
    loaded = {
        v.id: v
        for v in db.session.scalars(
            select(Vacancy)
            .where(Vacancy.id.in_(wanted))
            .options(selectinload(Vacancy.theme_tags), selectinload(Vacancy.sector_tags))
        )
    }
    items = [loaded[vid] for vid in wanted if vid in loaded]
    return Page(items=items, total=len(ordered), number=number, size=size)


def find_public(
    reference: str, at: datetime | None = None, with_criteria: bool = False
) -> tuple[Vacancy, bool] | None:
    """A vacancy the public may see (never a draft) and whether it was open at `at` (or now).

    `with_criteria` loads the criteria in the same query, for the application form.
    """
    stmt = select(Vacancy, is_open(at)).where(
        Vacancy.reference == reference,
        Vacancy.status.in_(PUBLIC_STATUSES),
    )
    if with_criteria:
        stmt = stmt.options(joinedload(Vacancy.criteria))
    row = db.session.execute(stmt).unique().first()
    if row is None:
        return None
    return row[0], bool(row[1])


def seconds_to_next_closing() -> float | None:
    """Seconds until the soonest open vacancy closes, by the database clock; None if none is open.

    Until then the set of open vacancies changes only by a write to a vacancy.
    """
    soonest, now = db.session.execute(
        select(func.min(Vacancy.closes_at), db_now()).where(is_open())
    ).one()
    if soonest is None:
        return None
    return max(0.0, (soonest - now).total_seconds())


def vacancy_is_open(vacancy_id: int) -> bool:
    """Whether the vacancy accepts applications right now, by the database clock."""
    return bool(db.session.scalar(select(is_open()).where(Vacancy.id == vacancy_id)))
