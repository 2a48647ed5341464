"""One vacancy's figures for the dashboard's charts, each aggregated in SQL.

The funnel (two: its history and the status counts), the applications per day, the median time
in each stage and the score distribution each cost one grouped statement whose result has a row
per stage, per hour or per score band, never per application, so a vacancy with 10,000
applications reads no more than one with ten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Float, Integer, and_, case, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

from recruit.extensions import db
from recruit.formatting import UK
from recruit.models import Application, ApplicationStatus, StatusChange, User, Vacancy, utcnow
from recruit.services.aggregates import score_columns
from recruit.services.board_scope import role_scope

S = ApplicationStatus
# The stages an application moves forward through, in order: the funnel's rows.
FORWARD: Final = (S.SUBMITTED, S.UNDER_REVIEW, S.SHORTLISTED, S.INTERVIEW, S.OFFER, S.APPOINTED)
# Stages an application spends time in before it moves on (the median-time chart's rows).
TIMED: Final = FORWARD[:-1]
# Overall score bands of the distribution, on the 0 to 4 scale: [0, 1), [1, 2), [2, 3), [3, 4].
SCORE_BANDS: Final = ("0 to 0.9", "1 to 1.9", "2 to 2.9", "3 to 4")
# The per-day chart covers at most this many days up to the closing date.
MAX_DAYS: Final = 120


class utc_hour(FunctionElement[str]):  # noqa: N801 - reads like a SQL function
    """A UTCDateTime column's hour, as 'YYYY-MM-DD HH' text in UTC, on every backend."""

    type = String()
    inherit_cache = True


@compiles(utc_hour, "postgresql")
def _utc_hour_pg(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"to_char(({inner}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


@compiles(utc_hour)
def _utc_hour_sqlite(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m-%d %H', {compiler.process(element.clauses, **kw)})"


class seconds_between(FunctionElement[float]):  # noqa: N801 - reads like a SQL function
    """Seconds from the first UTCDateTime to the second, on every backend."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end}) - ({start}))"


@compiles(seconds_between)
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@dataclass(frozen=True)
class FunnelRow:
    """A forward stage: how many applications reached it, and how many are in it now."""

    status: ApplicationStatus
    reached: int
    now: int


def _rank(column: Any, otherwise: int = -1) -> Any:
    return case(
        {status: rank for rank, status in enumerate(FORWARD)}, value=column, else_=otherwise
    )


def status_counts(vacancy_id: int) -> dict[ApplicationStatus, int]:
    """The vacancy's applications in each status now, in one grouped statement."""
    return {
        status: int(n)
        for status, n in db.session.execute(
            select(Application.status, func.count(Application.id))
            .where(Application.vacancy_id == vacancy_id)
            .group_by(Application.status)
        )
    }


def funnel(vacancy_id: int, now: Mapping[ApplicationStatus, int] | None = None) -> list[FunnelRow]:
    """Applications that reached each forward stage (from their history), and those in it now
    (`now`: the vacancy's `status_counts`, read here if not given)."""
    history = (
        select(StatusChange.application_id.label("aid"), _rank(StatusChange.to_status).label("r"))
        .join(Application, Application.id == StatusChange.application_id)
        .where(Application.vacancy_id == vacancy_id)
    )
    # Every application not a draft was received, whatever happened to it since.
    current = select(Application.id.label("aid"), _rank(Application.status, 0).label("r")).where(
        Application.vacancy_id == vacancy_id, Application.status != S.DRAFT
    )
    both = union_all(history, current).subquery("ranks")
    furthest = select(both.c.aid, func.max(both.c.r).label("top")).group_by(both.c.aid).subquery()
    tops: dict[int, int] = {
        int(top): int(n)
        for top, n in db.session.execute(
            select(furthest.c.top, func.count()).group_by(furthest.c.top)
        )
    }
    if now is None:
        now = status_counts(vacancy_id)
    return [
        FunnelRow(status, sum(n for top, n in tops.items() if top >= rank), int(now.get(status, 0)))
        for rank, status in enumerate(FORWARD)
    ]


def other_outcomes(now: Mapping[ApplicationStatus, int]) -> dict[ApplicationStatus, int]:
    """Applications that left the funnel, of the vacancy's `status_counts`: unsuccessful and
    withdrawn, now."""
    return {S.UNSUCCESSFUL: now.get(S.UNSUCCESSFUL, 0), S.WITHDRAWN: now.get(S.WITHDRAWN, 0)}


def per_day(vacancy: Vacancy, today: datetime | None = None) -> list[tuple[date, int]]:
    """Applications submitted on each UK day, from the first day of the campaign to its closing
    date (or today, if sooner); at most MAX_DAYS days, the latest ones."""
    hours = db.session.execute(
        select(utc_hour(Application.submitted_at), func.count(Application.id))
        .where(Application.vacancy_id == vacancy.id, Application.submitted_at.is_not(None))
        .group_by(utc_hour(Application.submitted_at))
    ).all()
    counts: dict[date, int] = {}
    for hour, n in hours:
        moment = datetime.strptime(f"{hour}:00 +0000", "%Y-%m-%d %H:%M %z")
        day = moment.astimezone(UK).date()
        counts[day] = counts.get(day, 0) + int(n)
    last = min(vacancy.applications_closed_at, today or utcnow()).astimezone(UK).date()
    opened = vacancy.published_at or vacancy.created_at
    first = min([opened.astimezone(UK).date(), *counts])
    last = max([last, *counts])
    first = max(first, last - timedelta(days=MAX_DAYS - 1))
    days = (last - first).days + 1
    return [(first + timedelta(d), counts.get(first + timedelta(d), 0)) for d in range(days)]


def median_days(vacancy_id: int) -> dict[ApplicationStatus, tuple[float | None, int]]:
    """Per stage, the median days an application spent in it before moving on, and how many
    completed stays that median is of. Stays still going on are not counted."""
    following = func.lead(StatusChange.changed_at).over(
        partition_by=StatusChange.application_id,
        order_by=(StatusChange.changed_at, StatusChange.id),
    )
    stays = (
        select(StatusChange.to_status.label("stage"), StatusChange.changed_at.label("entered"))
        .add_columns(following.label("left"))
        .join(Application, Application.id == StatusChange.application_id)
        .where(Application.vacancy_id == vacancy_id)
        .subquery("stays")
    )
    lengths = (
        select(stays.c.stage, seconds_between(stays.c.entered, stays.c.left).label("secs"))
        .where(stays.c.left.is_not(None), stays.c.stage.in_(TIMED))
        .subquery("lengths")
    )
    ranked = select(
        lengths.c.stage,
        lengths.c.secs,
        func.row_number().over(partition_by=lengths.c.stage, order_by=lengths.c.secs).label("rn"),
        func.count().over(partition_by=lengths.c.stage).label("n"),
    ).subquery("ranked")
    middle = and_(
        ranked.c.rn >= (ranked.c.n + 1) // literal(2, Integer),
        ranked.c.rn <= (ranked.c.n + 2) // literal(2, Integer),
    )
    rows = db.session.execute(
        select(ranked.c.stage, func.avg(ranked.c.secs), func.max(ranked.c.n))
        .where(middle)
        .group_by(ranked.c.stage)
    ).all()
    found = {ApplicationStatus(stage): (float(avg) / 86400, int(n)) for stage, avg, n in rows}
    return {stage: found.get(stage, (None, 0)) for stage in TIMED}


@dataclass(frozen=True)
class Distribution:
    """How many applications' overall scores fall in each band, of those whose scores the viewer
    may see, and how many scored applications stay hidden until the viewer submits their own."""

    bands: Sequence[int]
    hidden: int


def score_distribution(viewer: User, vacancy_id: int) -> Distribution:
    """The overall scores (agreed, else the assessors' mean) of the vacancy's applications in
    bands, under the rule that nobody sees others' scores before submitting their own."""
    scope = [Application.vacancy_id == vacancy_id, *role_scope(viewer)]
    scores = score_columns(viewer, scope)
    overall = scores.aggregates.c.overall
    band = case((overall < 1, 0), (overall < 2, 1), (overall < 3, 2), else_=3)
    shown = and_(scores.visible, overall.is_not(None))
    banded = scores.joined(
        select(case((shown, band), else_=-1).label("band"))
        .select_from(Application)
        .where(*scope, overall.is_not(None))
    ).subquery("banded")
    rows = db.session.execute(select(banded.c.band, func.count()).group_by(banded.c.band)).all()
    found = {int(b): int(n) for b, n in rows}
    return Distribution([found.get(i, 0) for i in range(len(SCORE_BANDS))], found.get(-1, 0))
