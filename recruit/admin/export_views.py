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
from recruit.formatting import uk_datetime
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
        chosen = jobs.selection(form.which.data, form.stage.data)
        job = jobs.request_export(vacancy, current_user, ExportFormat(form.fmt.data), chosen)
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


def size_text(size: int | None) -> str:
    """A file size people read: bytes, KB or MB (1 KB = 1,024 bytes)."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _building(job: ExportJob, percent: int, done: int, total: int) -> str:
    """The building state in words: counting first, then the percentage (and rows, but for a
    pack, whose three passes share one percentage)."""
    if not total:
        return "Building: counting the applications to export."
    rows = f" {done:,} of {total:,} applications." if job.format is not ExportFormat.PACK else ""
    return f"Building: {percent}% done.{rows}"


def progress_of(job: ExportJob) -> dict[str, Any]:
    """The one truthful state of an export, for the page and its status JSON alike."""
    counts = jobs.progress_counts(job)
    ready = job.status is ExportStatus.READY
    messages = {
        ExportStatus.QUEUED: "Queued: waiting for a worker to start building it.",
        ExportStatus.BUILDING: _building(job, counts["percent"], counts["done"], counts["total"]),
        ExportStatus.READY: "Ready to download.",
        ExportStatus.FAILED: f"The export failed: {job.error or 'unknown error'}. "
        "Build it again, or contact the service team if it keeps failing.",
        ExportStatus.EXPIRED: "This export has expired and its file has been deleted. "
        "Build a new one.",
    }
    label = f"Download {job.file_name or 'export'}" + (
        f" ({size_text(job.size_bytes)})" if job.size_bytes is not None else ""
    )
    return {
        "status": job.status.value,
        "message": messages[job.status],
        **counts,
        "error": job.error if job.status is ExportStatus.FAILED else None,
        "download_url": url_for("admin.download_export", export_id=job.id) if ready else None,
        "download_label": label if ready else None,
        "expires_text": uk_datetime(job.expires_at) if ready and job.expires_at else None,
        "finished": job.status not in (ExportStatus.QUEUED, ExportStatus.BUILDING),
    }


@bp.route("/exports/<int:export_id>")
@staff_required
def export(export_id: int) -> str:
    """One export's progress, live, and its download link when ready."""
    job, vacancy = job_for_user(export_id)
    return render_template("admin/export.html", job=job, vacancy=vacancy, progress=progress_of(job))


@bp.route("/exports/<int:export_id>/status")
@staff_required
def export_status(export_id: int) -> Response:
    """The progress as JSON, polled by the export page; never cached."""
    job, _ = job_for_user(export_id)
    response = jsonify(progress_of(job))
    response.headers["Cache-Control"] = "no-store"
    return response


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
