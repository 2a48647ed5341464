"""A vacancy's panel: recruiters assign panel members, who then assess from the sift on."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from recruit.admin.access import get_vacancy_for_staff
from recruit.admin.blueprint import bp
from recruit.admin.pages import View
from recruit.admin.panel_forms import PanelForm, RemoveForm
from recruit.extensions import db
from recruit.models import Role, User, Vacancy
from recruit.parsing import MAX_ROW_ID, ascii_int
from recruit.services import sift
from recruit.web.authz import staff_required


def _render_panel(vacancy: Vacancy, form: PanelForm, error: str | None = None) -> tuple[str, int]:
    form.offer(sift.assignable(vacancy))
    if error:
        form.form_errors.append(error)
    html = render_template(
        "admin/panel.html",
        vacancy=vacancy,
        form=form,
        panel=sift.panel_for(vacancy),
        remove_form=RemoveForm(formdata=None),
    )
    return html, 400 if form.errors else 200


@bp.route("/vacancies/<int:vacancy_id>/panel")
@staff_required
def panel(vacancy_id: int) -> View:
    """Who is on the vacancy's panel, and the form to add someone."""
    return _render_panel(get_vacancy_for_staff(vacancy_id), PanelForm(formdata=None))


@bp.route("/vacancies/<int:vacancy_id>/panel", methods=["POST"])
@staff_required
def assign_panel(vacancy_id: int) -> View:
    """Put a panel member on the vacancy's panel."""
    vacancy = get_vacancy_for_staff(vacancy_id)
    form = PanelForm()
    form.offer(sift.assignable(vacancy))
    if not form.validate_on_submit():
        return _render_panel(vacancy, form)
    user = db.session.get(User, form.user_id.data)
    if user is None or user.role is not Role.PANEL:
        return _render_panel(vacancy, form, "Select a panel member from the list")
    try:
        sift.assign(vacancy, user, current_user)
    except sift.SiftError as exc:
        db.session.rollback()
        return _render_panel(get_vacancy_for_staff(vacancy_id), PanelForm(formdata=None), str(exc))
    db.session.commit()
    flash(f"{user.full_name} is on the panel for {vacancy.title}.", "success")
    return redirect(url_for("admin.panel", vacancy_id=vacancy.id))


@bp.route("/vacancies/<int:vacancy_id>/panel/remove", methods=["POST"])
@staff_required
def remove_panel(vacancy_id: int) -> View:
    """Take a panel member off the panel; scores they submitted stay on the applications."""
    vacancy = get_vacancy_for_staff(vacancy_id)
    form = RemoveForm()
    user_id = ascii_int(form.user_id.data, maximum=MAX_ROW_ID)
    if not form.validate_on_submit() or user_id is None:
        return _render_panel(vacancy, PanelForm(formdata=None), "Choose who to take off the panel")
    try:
        sift.unassign(vacancy, user_id)
    except sift.SiftError as exc:
        db.session.rollback()
        return _render_panel(vacancy, PanelForm(formdata=None), str(exc))
    db.session.commit()
    flash("Taken off the panel.", "success")
    return redirect(url_for("admin.panel", vacancy_id=vacancy.id))
