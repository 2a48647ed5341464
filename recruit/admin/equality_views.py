"""Equality reports: aggregate, suppressed monitoring counts. Admins and the equality role only.

No page here names a person or an application: every number comes from
`recruit.monitoring.reports`, which suppresses small counts before anything leaves it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, jsonify, redirect, render_template, send_from_directory, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.admin.blueprint import bp
from recruit.admin.equality_forms import ReportCsvForm
from recruit.admin.pages import View
from recruit.exports.jobs import export_dir
from recruit.extensions import db
from recruit.models import ExportStatus, MonitoringReportJob, Role, Vacancy, utcnow
from recruit.monitoring import report_jobs, reports
from recruit.monitoring.stages import STAGE_LABELS, STAGES
from recruit.outbox.republish import republish
from recruit.services import audit
from recruit.services.access import may_view_equality_reports
from recruit.tasknames import MONITORING_REPORT_TASK
from recruit.web.authz import roles_required

log = logging.getLogger(__name__)


def equality_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in as an admin or the equality role, and allowed by the access rule; else 403."""

    @roles_required(Role.ADMIN, Role.EQUALITY)
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not may_view_equality_reports(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _page(template: str, report: reports.Report, **extra: Any) -> str:
    stage_labels = [STAGE_LABELS[s] for s in STAGES]
    return render_template(
        template, report=report, stages=stage_labels, form=ReportCsvForm(), **extra
    )


@bp.route("/equality")
@equality_required
def equality() -> str:
    """Every vacancy together, and the list of vacancies to look at one by one."""
    return _page(
        "admin/equality.html", reports.build_report(None), vacancies=reports.report_vacancies()
    )


@bp.route("/equality/vacancies/<int:vacancy_id>")
@equality_required
def equality_vacancy(vacancy_id: int) -> str:
    """One vacancy's report."""
    vacancy = db.session.get(Vacancy, vacancy_id)
    if vacancy is None:
        abort(404)
    return _page("admin/equality_vacancy.html", reports.build_report(vacancy), vacancy=vacancy)


@bp.route("/equality/csv", methods=["POST"], defaults={"vacancy_id": None})
@bp.route("/equality/vacancies/<int:vacancy_id>/csv", methods=["POST"])
@equality_required
def equality_csv(vacancy_id: int | None) -> View:
    """Ask a worker to build the report as CSV; the answer is its progress page."""
    vacancy = db.session.get(Vacancy, vacancy_id) if vacancy_id is not None else None
    if vacancy_id is not None and vacancy is None:
        abort(404)
    form = ReportCsvForm()
    if not form.validate_on_submit():
        abort(400)
    report_jobs.purge_expired()
    job = report_jobs.request_report(vacancy)
    db.session.commit()
    return redirect(url_for("admin.equality_report", report_id=job.id))


def _job(report_id: int) -> MonitoringReportJob:
    job = db.session.get(MonitoringReportJob, report_id)
    if job is None:
        abort(404)
    return job


@bp.route("/equality/reports/<int:report_id>")
@equality_required
def equality_report(report_id: int) -> str:
    """A report CSV's progress, live, and its download link when ready."""
    job = _job(report_id)
    if report_jobs.missed(job):
        # Someone is waiting for it: hand it over again (the worker's claim makes this safe).
        republish(MONITORING_REPORT_TASK, [job.id])
    vacancy = db.session.get(Vacancy, job.vacancy_id) if job.vacancy_id else None
    return render_template("admin/equality_report.html", job=job, vacancy=vacancy)


@bp.route("/equality/reports/<int:report_id>/status")
@equality_required
def equality_report_status(report_id: int) -> Response:
    """The progress as JSON, polled by the page (the exports' script reads the same shape)."""
    job = _job(report_id)
    ready = job.status is ExportStatus.READY
    return jsonify(
        status=job.status.value,
        done=job.progress_done,
        total=job.progress_total,
        error=job.error if job.status is ExportStatus.FAILED else None,
        download_url=url_for("admin.equality_report_download", report_id=job.id) if ready else None,
    )


@bp.route("/equality/reports/<int:report_id>/download")
@equality_required
def equality_report_download(report_id: int) -> Response:
    """Send the CSV as an attachment, and audit the download."""
    job = _job(report_id)
    expired = job.expires_at is not None and job.expires_at <= utcnow()
    if job.status is not ExportStatus.READY or not job.storage_key or expired:
        abort(404)
    audit.record(
        "equality_report_downloaded", current_user, vacancy_id=job.vacancy_id, detail=str(job.id)
    )
    db.session.commit()
    log.info("equality report downloaded", extra={"report_id": job.id})
    response = send_from_directory(
        export_dir(), job.storage_key, as_attachment=True, download_name=job.file_name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
