"""Recruiter admin: creating, editing, publishing and closing vacancies. Views commit."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from recruit.admin.access import get_managed_vacancy, get_vacancy_for_staff
from recruit.admin.blueprint import bp
from recruit.admin.pages import View
from recruit.admin.vacancy_forms import ConfirmForm, VacancyForm
from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, Vacancy, VacancyStatus
from recruit.services import vacancies
from recruit.services.access import may_manage_vacancy
from recruit.services.closing import received_counts
from recruit.taxonomy import STAFF_LABELS
from recruit.web.authz import staff_required


@bp.route("/vacancies", endpoint="vacancies")
@staff_required
def vacancy_list() -> str:
    """Every vacancy, newest closing first."""
    rows = list(
        db.session.scalars(select(Vacancy).order_by(Vacancy.closes_at.desc(), Vacancy.id.desc()))
    )
    counts = vacancies.application_counts([v.id for v in rows])
    return render_template("admin/vacancies.html", vacancies=rows, counts=counts)


@bp.route("/vacancies/new", methods=["GET", "POST"])
@staff_required
def new_vacancy() -> View:
    """Create a draft vacancy."""
    form = VacancyForm()
    if form.validate_on_submit():
        vacancy = vacancies.create_vacancy(form.to_data(), current_user)
        db.session.commit()
        flash(f"Vacancy {vacancy.reference} saved as a draft.", "success")
        return redirect(url_for("admin.vacancy", vacancy_id=vacancy.id))
    return render_template("admin/new_vacancy.html", form=form), 400 if form.errors else 200


@bp.route("/vacancies/<int:vacancy_id>")
@staff_required
def vacancy(vacancy_id: int) -> str:
    """One vacancy: its details, criteria, status and (for its team) the publish or close action."""
    found = get_vacancy_for_staff(vacancy_id)
    return _render_vacancy(found, ConfirmForm())[0]


def _render_vacancy(found: Vacancy, form: ConfirmForm, error: str | None = None) -> tuple[str, int]:
    if error:
        form.form_errors.append(error)
    counts = vacancies.application_counts([found.id])[found.id]
    page = render_template(
        "admin/vacancy.html",
        vacancy=found,
        form=form,
        counts=counts,
        labels=STAFF_LABELS,
        can_reopen=found.status is VacancyStatus.CLOSED,
        # Recruiters outside the team read the page but get no edit, publish or close buttons.
        may_manage=may_manage_vacancy(current_user, found.id),
    )
    return page, 400 if form.errors else 200


@bp.route("/vacancies/<int:vacancy_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_vacancy(vacancy_id: int) -> View:
    """Change a vacancy; its criteria are fixed once an application has been submitted."""
    found = get_managed_vacancy(vacancy_id, what="vacancy edit")
    locked = vacancies.criteria_locked(found)
    form = VacancyForm(data=VacancyForm.data_from(found))
    if form.validate_on_submit():
        try:
            vacancies.update_vacancy(found, form.to_data())
        except vacancies.CriteriaLockedError as exc:
            db.session.rollback()
            form.essential_criteria.errors.append(str(exc))
        except vacancies.VacancyError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash("Vacancy updated.", "success")
            return redirect(url_for("admin.vacancy", vacancy_id=found.id))
        found = get_vacancy_for_staff(vacancy_id)
    status = 400 if form.errors else 200
    return render_template(
        "admin/edit_vacancy.html", form=form, vacancy=found, locked=locked
    ), status


@bp.route("/vacancies/<int:vacancy_id>/publish", methods=["POST"])
@staff_required
def publish_vacancy(vacancy_id: int) -> View:
    """Publish a draft, or reopen a closed vacancy whose closing time is in the future."""
    return _change_status(
        vacancy_id, vacancies.publish, "is published and open for applications", "vacancy publish"
    )


@bp.route("/vacancies/<int:vacancy_id>/close", methods=["GET", "POST"])
@staff_required
def close_vacancy(vacancy_id: int) -> View:
    """GET: the confirmation page saying what closing does. POST: close to new applications."""
    if request.method == "GET":
        found = get_managed_vacancy(vacancy_id, what="vacancy close")
        return render_template(
            "admin/close_vacancy.html",
            vacancy=found,
            form=ConfirmForm(),
            received=received_counts([found.id]).get(found.id, 0),
            drafts=_draft_count(found.id),
        )
    return _change_status(
        vacancy_id, vacancies.close, "is closed to new applications", "vacancy close"
    )


def _draft_count(vacancy_id: int) -> int:
    """Unsubmitted drafts of the vacancy: their candidates can no longer submit once it closes."""
    drafts = select(func.count(Application.id)).where(
        Application.vacancy_id == vacancy_id, Application.status == ApplicationStatus.DRAFT
    )
    return int(db.session.scalar(drafts) or 0)


def _change_status(
    vacancy_id: int, change: Callable[[Vacancy], None], done: str, what: str
) -> View:
    """Apply a confirmed publish or close, showing the rule's message if it refuses."""
    # The team check comes before the form's, so an outsider learns nothing from a 400.
    found = get_managed_vacancy(vacancy_id, what=what)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _render_vacancy(found, form)
    try:
        change(found)
    except vacancies.VacancyError as exc:
        db.session.rollback()
        return _render_vacancy(get_vacancy_for_staff(vacancy_id), ConfirmForm(), str(exc))
    db.session.commit()
    flash(f"{found.title} {done}.", "success")
    return redirect(url_for("admin.vacancy", vacancy_id=found.id))
