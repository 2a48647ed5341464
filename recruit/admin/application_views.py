"""Recruiter admin: a vacancy's applications, one application, its CV and pipeline moves."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from recruit.admin import bp
from recruit.admin.access import get_application_for_staff, get_vacancy_for_staff
from recruit.admin.forms import MoveForm, StatusFilterForm
from recruit.admin.views import View
from recruit.authz import staff_required
from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, StatusChange
from recruit.services import pipeline

# Only document types a browser will not run; anything else is served as opaque bytes.
SAFE_CV_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
        "application/rtf",
        "text/plain",
    }
)


@bp.route("/vacancies/<int:vacancy_id>/applications")
@staff_required
def vacancy_applications(vacancy_id: int) -> View:
    """Submitted (and later) applications for a vacancy, filterable by status, a page at a time."""
    vacancy = get_vacancy_for_staff(vacancy_id)
    form = StatusFilterForm(request.args)
    query = (
        select(Application)
        .options(selectinload(Application.candidate))
        .where(Application.vacancy_id == vacancy.id, Application.status != ApplicationStatus.DRAFT)
        .order_by(Application.submitted_at, Application.id)
    )
    if form.validate() and form.status.data:
        query = query.where(Application.status == ApplicationStatus(form.status.data))
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=int(current_app.config["PAGE_SIZE"]),
        error_out=False,
    )
    return render_template(
        "admin/vacancy_applications.html",
        vacancy=vacancy,
        form=form,
        page=page,
        labels=pipeline.STAFF_LABELS,
        status_filter=form.status.data or "",
    )


def _render_application(application: Application, form: MoveForm) -> tuple[str, int]:
    form.offer(pipeline.allowed_moves(application))
    history = db.session.scalars(
        select(StatusChange)
        .options(selectinload(StatusChange.changed_by))
        .where(StatusChange.application_id == application.id)
        .order_by(StatusChange.changed_at, StatusChange.id)
    ).all()
    page = render_template(
        "admin/application.html",
        application=application,
        vacancy=application.vacancy,
        history=history,
        form=form,
        labels=pipeline.STAFF_LABELS,
    )
    return page, 400 if form.errors else 200


@bp.route("/applications/<int:application_id>")
@staff_required
def application(application_id: int) -> View:
    """One application: statement, evidence, CV, history and the move form."""
    return _render_application(get_application_for_staff(application_id), MoveForm(formdata=None))


@bp.route("/applications/<int:application_id>/move", methods=["POST"])
@staff_required
def move_application(application_id: int) -> View:
    """Move an application along the pipeline; disallowed moves change nothing and answer 400."""
    found = get_application_for_staff(application_id, for_update=True)
    form = MoveForm()
    if form.validate_on_submit():
        error = _try_move(found, form.to_status.data, form.note.data or "")
        if error is None:
            db.session.commit()
            flash(
                f"{found.reference} moved to {pipeline.STAFF_LABELS[found.status].lower()}.",
                "success",
            )
            return redirect(url_for("admin.application", application_id=found.id))
        db.session.rollback()
        form.to_status.errors.append(error)
        found = get_application_for_staff(application_id)
    return _render_application(found, form)


def _try_move(application: Application, raw_status: Any, note: str) -> str | None:
    """Apply the move, or return the message explaining why it is not allowed."""
    try:
        target = ApplicationStatus(raw_status)
    except ValueError:
        return "Select a new status from the list"
    try:
        pipeline.move(application, target, current_user, note.strip())
    except pipeline.TransitionError as exc:
        return str(exc)
    return None


@bp.route("/applications/<int:application_id>/cv")
@staff_required
def download_cv(application_id: int) -> Response:
    """The candidate's CV, always as a download so the browser never renders it in our origin."""
    found = get_application_for_staff(application_id)
    stored = found.cv_file
    if stored is None:
        abort(404)
    mimetype = (
        stored.content_type if stored.content_type in SAFE_CV_TYPES else "application/octet-stream"
    )
    # send_from_directory refuses keys that would escape UPLOAD_DIR and 404s a missing file.
    response = send_from_directory(
        current_app.config["UPLOAD_DIR"],
        stored.storage_key,
        as_attachment=True,
        download_name=stored.original_name,
        mimetype=mimetype,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
