"""Recruiter admin: one application, its CV and pipeline moves."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, send_from_directory, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.admin.access import assessor_required, get_application_for_staff
from recruit.admin.application_forms import MoveForm
from recruit.admin.blueprint import bp
from recruit.admin.pages import View, render_application
from recruit.extensions import db
from recruit.models import Application, ApplicationStatus
from recruit.services import pipeline
from recruit.services.access import identity_visible
from recruit.taxonomy import STAFF_LABELS
from recruit.web.authz import staff_required

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


@bp.route("/applications/<int:application_id>")
@assessor_required
def application(application_id: int) -> View:
    """One application: statement, evidence, scores; for recruiters also identity, moves, notes."""
    return render_application(get_application_for_staff(application_id))


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
                f"{found.reference} moved to {STAFF_LABELS[found.status].lower()}.",
                "success",
            )
            return redirect(url_for("admin.application", application_id=found.id))
        db.session.rollback()
        form.to_status.errors.append(error)
        found = get_application_for_staff(application_id)
    return render_application(found, move_form=form)


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
@assessor_required
def download_cv(application_id: int) -> Response:
    """The candidate's CV, always as a download so the browser never renders it in our origin.

    While the candidate is anonymous to the viewer the CV does not exist for them (404).
    """
    found = get_application_for_staff(application_id)
    stored = found.cv_file
    if stored is None or not identity_visible(found, current_user):
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
