"""Recruiter admin: the dashboard, with open campaigns, waiting work and one vacancy's charts."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request
from flask_login import current_user

from recruit.admin import charts
from recruit.admin.blueprint import bp
from recruit.extensions import db
from recruit.models import Role, Vacancy, utcnow
from recruit.parsing import ascii_int
from recruit.services import board, dashboard_stats, sift, vacancies
from recruit.services import dashboard as overview
from recruit.services.access import is_moderator
from recruit.taxonomy import STAFF_LABELS
from recruit.web.authz import roles_required


@bp.route("/")
@roles_required(Role.RECRUITER, Role.ADMIN, Role.PANEL)
def dashboard() -> str:
    """Open campaigns closing soonest, what waits for review and scores, every vacancy, and
    (`?vacancy=ID`, for its recruiters and admins) that vacancy's charts."""
    panel = current_user.role is Role.PANEL
    if panel:
        rows = sift.assigned_vacancies(current_user)
        counts = board.counts_by_vacancy(current_user, [v.id for v in rows])
    else:
        rows = vacancies.vacancies_for(current_user)
        counts = vacancies.application_counts([v.id for v in rows])
    chosen = _chosen_vacancy(panel)
    now = utcnow()
    waiting = overview.waiting(current_user, [v.id for v in rows])
    return render_template(
        "admin/dashboard.html",
        vacancies=rows,
        counts=counts,
        labels=STAFF_LABELS,
        panel=panel,
        open_now=overview.open_campaigns(rows, now),
        waiting=waiting,
        no_wait=overview.Waiting(),
        now=now,
        countdown=overview.countdown,
        chosen=chosen,
        charts=vacancy_charts(chosen) if chosen else [],
        # A recruiter's rows are their team's vacancies and an admin's are all: they moderate
        # every one (`access.is_moderator`), so no per-vacancy check is needed.
        chartable=[] if panel else rows,
    )


def _chosen_vacancy(panel: bool) -> Vacancy | None:
    """The vacancy named by `?vacancy=`, if the viewer runs it; 404 for anything else."""
    raw = request.args.get("vacancy")
    if not raw:
        return None
    vacancy_id = ascii_int(raw, maximum=2**31 - 1)
    found = db.session.get(Vacancy, vacancy_id) if vacancy_id is not None else None
    if found is None or panel or not is_moderator(current_user, found.id):
        abort(404)
    return found


def vacancy_charts(vacancy: Vacancy) -> list[charts.Chart]:
    """The four charts of one vacancy, each with the rows of its table."""
    return [_funnel(vacancy), _per_day(vacancy), _stage_times(vacancy), _scores(vacancy)]


def _funnel(vacancy: Vacancy) -> charts.Chart:
    now = dashboard_stats.status_counts(vacancy.id)
    rows = dashboard_stats.funnel(vacancy.id, now)
    left = dashboard_stats.other_outcomes(now)
    summary = (
        f"Of {rows[0].reached:,} applications received, "
        + ", ".join(f"{r.reached:,} reached {STAFF_LABELS[r.status].lower()}" for r in rows[1:])
        + f". {left[dashboard_stats.S.UNSUCCESSFUL]:,} unsuccessful and "
        + f"{left[dashboard_stats.S.WITHDRAWN]:,} withdrawn are counted at the stages they reached."
    )
    return charts.horizontal(
        "funnel",
        "Applications reaching each stage",
        summary,
        [
            charts.Row(STAFF_LABELS[r.status], r.reached, f"{r.reached:,} ({r.now:,} there now)")
            for r in rows
        ],
    )


def _per_day(vacancy: Vacancy) -> charts.Chart:
    days = dashboard_stats.per_day(vacancy)
    total = sum(n for _, n in days)
    rows = [charts.Row(uk_date_of(day), n, f"{n:,}") for day, n in days]
    summary = (
        f"{total:,} application{'' if total == 1 else 's'} submitted over {len(days)} "
        f"day{'' if len(days) == 1 else 's'}, up to the closing date (UK days)."
    )
    first, last = (rows[0].label, rows[-1].label) if rows else ("", "")
    return charts.columns("per-day", "Applications per day", summary, rows, first, last)


def uk_date_of(day: date) -> str:
    """A calendar day as '12 December 2026'."""
    return f"{day.day} {day:%B %Y}"


def _stage_times(vacancy: Vacancy) -> charts.Chart:
    medians = dashboard_stats.median_days(vacancy.id)
    rows = [
        charts.Row(
            STAFF_LABELS[stage],
            days or 0,
            "no completed stays yet" if days is None else f"{days:.1f} days (of {n})",
        )
        for stage, (days, n) in medians.items()
    ]
    summary = (
        "The median time applications spent in each stage before moving on, from their "
        "history. Applications still in a stage are not counted until they leave it."
    )
    return charts.horizontal("stage-times", "Median days in each stage", summary, rows)


def _scores(vacancy: Vacancy) -> charts.Chart:
    spread = dashboard_stats.score_distribution(current_user, vacancy.id)
    rows = [
        charts.Row(f"Overall score {band}", n, f"{n:,}")
        for band, n in zip(dashboard_stats.SCORE_BANDS, spread.bands, strict=True)
    ]
    counted = sum(spread.bands)
    summary = (
        f"{counted:,} application{'' if counted == 1 else 's'} by overall score "
        "(agreed scores, else the assessors' mean). Only applications whose scores you can see "
        "are counted: those you have submitted your own scores for, or chose to see without "
        "scoring."
        + (
            f" {spread.hidden} more scored application{'' if spread.hidden == 1 else 's'} "
            "stay hidden until you do."
            if spread.hidden
            else ""
        )
    )
    return charts.horizontal("scores", "Score distribution", summary, rows)
