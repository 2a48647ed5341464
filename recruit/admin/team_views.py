"""A vacancy's hiring team page: an admin or a team recruiter adds and removes its people.

The team is the vacancy's recruiters and its panel members; only they (and admins) may open its
applications. The old panel page's address sends visitors here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from recruit.admin.access import get_vacancy_for_staff, require_team_manager
from recruit.admin.blueprint import bp
from recruit.admin.pages import View
from recruit.admin.team_forms import PanelForm, RecruiterForm, RemoveForm
from recruit.extensions import db
from recruit.models import Role, User, Vacancy
from recruit.parsing import MAX_ROW_ID, ascii_int
from recruit.services import sift, teams
from recruit.services.access import may_manage_team, may_open_applications, on_hiring_team
from recruit.web.authz import staff_required


def _render_team(
    vacancy: Vacancy,
    *,
    recruiter_form: RecruiterForm | None = None,
    panel_form: PanelForm | None = None,
    error: str | None = None,
) -> tuple[str, int]:
    recruiter_form = recruiter_form or RecruiterForm(formdata=None)
    panel_form = panel_form or PanelForm(formdata=None)
    recruiter_form.offer(teams.addable_recruiters(vacancy))
    panel_form.offer(sift.assignable(vacancy))
    failed: FlaskForm = panel_form if panel_form.errors else recruiter_form
    if error:
        failed.form_errors.append(error)
    html = render_template(
        "admin/team.html",
        vacancy=vacancy,
        form=failed,
        recruiter_form=recruiter_form,
        panel_form=panel_form,
        recruiters=teams.recruiters_for(vacancy),
        panel=sift.panel_for(vacancy),
        remove_form=RemoveForm(formdata=None),
    )
    return html, 400 if failed.errors else 200


def _managed_vacancy(vacancy_id: int) -> Vacancy:
    vacancy = get_vacancy_for_staff(vacancy_id)
    require_team_manager(vacancy)
    return vacancy


@bp.route("/vacancies/<int:vacancy_id>/team")
@staff_required
def team(vacancy_id: int) -> View:
    """Who is on the vacancy's hiring team, and the forms to add and remove people."""
    return _render_team(_managed_vacancy(vacancy_id))


@bp.route("/vacancies/<int:vacancy_id>/panel")
@staff_required
def panel(vacancy_id: int) -> View:
    """The old panel page's address: the panel is now part of the hiring team page."""
    vacancy = _managed_vacancy(vacancy_id)
    return redirect(url_for("admin.team", vacancy_id=vacancy.id), code=301)


def _apply(
    vacancy_id: int, change: Callable[[], object], refusal: type[Exception], done: str
) -> View | None:
    """Make the team change and commit it; or, if the service refuses it, the page saying why."""
    try:
        change()
    except refusal as exc:
        db.session.rollback()
        return _render_team(_managed_vacancy(vacancy_id), error=str(exc))
    db.session.commit()
    flash(done, "success")
    return None


def _take_off(
    vacancy_id: int, remove: Callable[[Vacancy, int], None], refusal: type[Exception], where: str
) -> View:
    """Take the posted person off `where` (the hiring team's recruiters, or the panel)."""
    vacancy = _managed_vacancy(vacancy_id)
    form = RemoveForm()
    user_id = ascii_int(form.user_id.data, maximum=MAX_ROW_ID)
    if not form.validate_on_submit() or user_id is None:
        return _render_team(vacancy, error=f"Choose who to take off {where}")
    refused = _apply(vacancy_id, lambda: remove(vacancy, user_id), refusal, f"Taken off {where}.")
    if refused is not None:
        return refused
    if not may_manage_team(current_user, vacancy.id):
        # They took themselves off: the team page is no longer theirs to see.
        return redirect(url_for("admin.vacancy", vacancy_id=vacancy.id))
    return redirect(url_for("admin.team", vacancy_id=vacancy.id))


@bp.route("/vacancies/<int:vacancy_id>/team/recruiters", methods=["POST"])
@staff_required
def add_recruiter(vacancy_id: int) -> View:
    """Put a recruiter (or an admin) on the vacancy's hiring team."""
    vacancy = _managed_vacancy(vacancy_id)
    form = RecruiterForm()
    form.offer(teams.addable_recruiters(vacancy))
    if not form.validate_on_submit():
        return _render_team(vacancy, recruiter_form=form)
    user = db.session.get(User, form.recruiter_id.data)
    if user is None:
        return _render_team(vacancy, error="Select a recruiter from the list")
    done = f"{user.full_name} is on the hiring team for {vacancy.title}."
    refused = _apply(vacancy_id, lambda: teams.add_recruiter(vacancy, user), teams.TeamError, done)
    return refused or redirect(url_for("admin.team", vacancy_id=vacancy.id))


@bp.route("/vacancies/<int:vacancy_id>/team/recruiters/remove", methods=["POST"])
@staff_required
def remove_recruiter(vacancy_id: int) -> View:
    """Take a recruiter off the team; the team keeps at least one recruiter."""
    return _take_off(vacancy_id, teams.remove_recruiter, teams.TeamError, "the hiring team")


@bp.route("/vacancies/<int:vacancy_id>/panel", methods=["POST"])
@staff_required
def assign_panel(vacancy_id: int) -> View:
    """Put a panel member on the vacancy's panel."""
    vacancy = _managed_vacancy(vacancy_id)
    form = PanelForm()
    form.offer(sift.assignable(vacancy))
    if not form.validate_on_submit():
        return _render_team(vacancy, panel_form=form)
    user = db.session.get(User, form.user_id.data)
    if user is None or user.role is not Role.PANEL:
        return _render_team(vacancy, error="Select a panel member from the list")
    done = f"{user.full_name} is on the panel for {vacancy.title}."
    refused = _apply(
        vacancy_id, lambda: sift.assign(vacancy, user, current_user), sift.SiftError, done
    )
    return refused or redirect(url_for("admin.team", vacancy_id=vacancy.id))


@bp.route("/vacancies/<int:vacancy_id>/panel/remove", methods=["POST"])
@staff_required
def remove_panel(vacancy_id: int) -> View:
    """Take a panel member off the panel; scores they submitted stay on the applications."""
    return _take_off(vacancy_id, sift.unassign, sift.SiftError, "the panel")


@dataclass(frozen=True)
class TeamSummary:
    """The hiring team as the vacancy page shows it to the current user."""

    recruiters: list[str]
    panel: list[str]
    on_team: bool
    may_manage: bool
    may_open: bool
    ask: list[str]


def hiring_team(vacancy: Vacancy) -> TeamSummary:
    """Who is on the vacancy's team, and what the current user may do with it."""
    return TeamSummary(
        recruiters=[u.full_name for u in teams.recruiters_for(vacancy)],
        panel=[a.user.full_name for a in sift.panel_for(vacancy)],
        on_team=on_hiring_team(current_user, vacancy.id),
        may_manage=may_manage_team(current_user, vacancy.id),
        may_open=may_open_applications(current_user, vacancy.id),
        ask=teams.contacts_for(vacancy.id),
    )


@bp.context_processor
def _team_helpers() -> dict[str, Any]:
    # The vacancy page's team partial (admin/_vacancy_team.html) asks for the team itself, so
    # the vacancy views need not know about it.
    return {"hiring_team": hiring_team}
