"""Exports: ask for one, watch it build, download it. Only the vacancy's recruiters may."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from recruit.admin.access import audit_admin_access, get_team_vacancy
from recruit.admin.blueprint import bp
from recruit.admin.export_forms import ExportForm
from recruit.admin.pages import View
from recruit.exports import jobs
from recruit.extensions import db
from recruit.models import ExportFormat, ExportJob, ExportStatus, Vacancy
from recruit.services.access import may_export
from recruit.web.authz import staff_required

log = logging.getLogger(__name__)


def vacancy_for_exports(vacancy_id: int) -> Vacancy:
    """The vacancy if the current user runs it (or is an admin); 403 for other staff (a recruiter
    outside the hiring team gets the page that names who to ask)."""
    vacancy = get_team_vacancy(vacancy_id)
    if not may_export(current_user, vacancy.id):
        log.warning(
            "export refused: not a recruiter of this vacancy", extra={"vacancy_id": vacancy.id}
        )
        abort(403)
    return vacancy


def job_for_user(export_id: int) -> tuple[ExportJob, Vacancy]:
    """The export and its vacancy, or 404/403 following the vacancy's rule."""
    job = db.session.get(ExportJob, export_id)
    if job is None:
        abort(404)
    return job, vacancy_for_exports(job.vacancy_id)


@bp.route("/vacancies/<int:vacancy_id>/exports", methods=["GET", "POST"])
@staff_required
def exports(vacancy_id: int) -> View:
    """Ask for an export and see the vacancy's recent ones."""
    vacancy = vacancy_for_exports(vacancy_id)
    form = ExportForm()
    if form.validate_on_submit():
        selection: dict[str, Any] = {
            "list": None if form.which.data == "all" else form.which.data,
            "statuses": [form.stage.data] if form.stage.data else [],
        }
        job = jobs.request_export(vacancy, current_user, ExportFormat(form.fmt.data), selection)
        db.session.commit()
        flash("Your export is being built. This page shows its progress.", "success")
        return redirect(url_for("admin.export", export_id=job.id))
    recent = db.session.scalars(
        select(ExportJob)
        .where(ExportJob.vacancy_id == vacancy.id)
        .order_by(ExportJob.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "admin/exports.html", vacancy=vacancy, form=form, recent=recent
    ), 400 if form.errors else 200


@bp.route("/exports/<int:export_id>")
@staff_required
def export(export_id: int) -> str:
    """One export's progress, live, and its download link when ready."""
    job, vacancy = job_for_user(export_id)
    return render_template("admin/export.html", job=job, vacancy=vacancy)


@bp.route("/exports/<int:export_id>/status")
@staff_required
def export_status(export_id: int) -> Response:
    """The progress as JSON, polled by the export page."""
    job, _ = job_for_user(export_id)
    return jsonify(
        status=job.status.value,
        done=job.progress_done,
        total=job.progress_total,
        error=job.error if job.status is ExportStatus.FAILED else None,
        download_url=url_for("admin.download_export", export_id=job.id)
        if job.status is ExportStatus.READY
        else None,
    )


@bp.route("/exports/<int:export_id>/download")
@staff_required
def download_export(export_id: int) -> Response:
    """Send the file as an attachment and record who downloaded it."""
    job, _ = job_for_user(export_id)
    if job.status is not ExportStatus.READY or not job.storage_key:
        abort(404)
    audit_admin_access(job.vacancy_id, what="export download")
    jobs.record_download(job, current_user, request.remote_addr or "")
    db.session.commit()
    log.info(
        "export downloaded",
        extra={"event": "export_downloaded", "export_id": job.id, "vacancy_id": job.vacancy_id},
    )
    response = send_from_directory(
        jobs.export_dir(), job.storage_key, as_attachment=True, download_name=job.file_name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
