"""Export requests through the API: ask for an export of a vacancy's applications, watch its
progress, and download it when ready.

The export page's own path and rules: `recruit.exports.jobs.request_export` records the job,
which the after-commit relay hands to a worker once the request's transaction commits (never
before); only the vacancy's moderators may export (`recruit.services.access.may_export`), a
recruiter outside its hiring team gets 403 naming who to ask, and every download is recorded
(`jobs.record_download`) and, for an admin outside the team, audited, as on the pages.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from flask import request, send_from_directory
from werkzeug.wrappers import Response

from recruit.api import idempotency
from recruit.api.access import audit_admin, check_team_vacancy
from recruit.api.auth import authenticated, current_api_user
from recruit.api.blueprint import v1
from recruit.api.export_schemas import ExportRequestSchema, ExportSchema
from recruit.api.problems import ProblemError
from recruit.api.spec import arguments, doc, problems, response, route
from recruit.exports import jobs
from recruit.extensions import db
from recruit.models import ExportFormat, ExportJob, ExportStatus, User, Vacancy
from recruit.services.access import may_export
from recruit.urls import external_url

log = logging.getLogger(__name__)

TAGS = ["Exports"]
MEDIA_TYPES: Final = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.PACK: "application/zip",
}
LOCATION_HEADER: Final = {
    "Location": {"description": "Where to poll the export's status", "schema": {"type": "string"}}
}
NOT_READY: Final = {
    ExportStatus.QUEUED: "The export is queued; poll its status until it is ready.",
    ExportStatus.BUILDING: "The export is being built; poll its status until it is ready.",
    ExportStatus.FAILED: "The export failed (see its error); request a new one.",
    ExportStatus.EXPIRED: "The export has expired and its file is deleted; request a new one.",
}


def exportable(viewer: User, vacancy_id: int) -> Vacancy:
    """The vacancy, if the viewer may export its applications: 404 if unknown, 403 (naming who
    to ask) outside its team, as the export page."""
    vacancy = check_team_vacancy(viewer, vacancy_id)
    if not may_export(viewer, vacancy.id):
        db.session.rollback()
        raise ProblemError(403, "Only the vacancy's recruiters and administrators may export.")
    return vacancy


def _job(viewer: User, export_id: int) -> tuple[ExportJob, Vacancy]:
    job = db.session.get(ExportJob, export_id)
    if job is None:
        raise ProblemError(404, "No export has this id.")
    return job, exportable(viewer, job.vacancy_id)


def export_body(job: ExportJob, vacancy: Vacancy) -> dict[str, Any]:
    """An export as the API shows it: what was asked for, and how far it has got."""
    ready = job.status is ExportStatus.READY and bool(job.storage_key)
    statuses = job.selection.get("statuses") or []
    return {
        "id": job.id,
        "vacancy": {"id": vacancy.id, "reference": vacancy.reference, "title": vacancy.title},
        "format": job.format.value,
        "which": job.selection.get("list") or "all",
        "stage": statuses[0] if statuses else None,
        "status": job.status.value,
        "progress": jobs.progress_counts(job),
        "error": job.error if job.status is ExportStatus.FAILED else None,
        "file_name": job.file_name if ready else None,
        "size_bytes": job.size_bytes if ready else None,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "expires_at": job.expires_at,
        "links": {
            "self": external_url("api_v1.get_export", export_id=job.id),
            "download": external_url("api_v1.download_export", export_id=job.id) if ready else None,
            "html": external_url("admin.export", export_id=job.id),
        },
    }


@route(v1, "/staff/vacancies/<int:vacancy_id>/exports", methods=["POST"], tags=TAGS)
@authenticated(v1)
@idempotency.idempotent(v1)
@arguments(v1, ExportRequestSchema, location="json")
@response(v1, 202, ExportSchema, headers=LOCATION_HEADER)
@problems(v1, 403, 404)
def request_export(
    wanted: dict[str, Any], vacancy_id: int
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Ask for an export of the vacancy's applications; a worker builds it once this request
    is committed. Poll the export (`Location`) until it is ready, then download it."""
    viewer = current_api_user()
    vacancy = exportable(viewer, vacancy_id)
    audit_admin(viewer, vacancy.id, "export request")
    db.session.commit()  # the vacancy (never deleted) is read again as it is used
    chosen = jobs.selection(wanted["which"], wanted["stage"])
    job = jobs.request_export(vacancy, viewer, ExportFormat(wanted["format"]), chosen)
    db.session.flush()
    body = export_body(job, vacancy)
    idempotency.commit()
    return body, 202, {"Location": body["links"]["self"]}


@route(v1, "/exports/<int:export_id>", methods=["GET"], tags=TAGS)
@authenticated(v1)
@response(v1, 200, ExportSchema)
@problems(v1, 403, 404)
def get_export(export_id: int) -> dict[str, Any]:
    """An export's status and progress (as the export page shows it), with its download link
    once ready."""
    job, vacancy = _job(current_api_user(), export_id)
    body = export_body(job, vacancy)
    db.session.commit()
    return body


DOWNLOAD_DOC: Final = {
    "200": {
        "description": "The file, as an attachment (its name in Content-Disposition)",
        "content": {media: {"schema": {}} for media in MEDIA_TYPES.values()},
    }
}


@route(v1, "/exports/<int:export_id>/download", methods=["GET"], tags=TAGS)
@authenticated(v1)
@doc(v1, responses=DOWNLOAD_DOC)
@problems(v1, 403, 404, 409)
def download_export(export_id: int) -> Response:
    """Download a ready export (streamed); 409 while it is queued or building, or once it
    failed or expired. Every download is recorded, as from the export page."""
    viewer = current_api_user()
    job, _ = _job(viewer, export_id)
    if job.status is not ExportStatus.READY or not job.storage_key:
        raise ProblemError(409, NOT_READY.get(job.status, "The export is not ready."))
    key, name, media = job.storage_key, job.file_name, MEDIA_TYPES[job.format]
    audit_admin(viewer, job.vacancy_id, "export download")
    jobs.record_download(job, viewer, request.remote_addr or "")
    log.info(
        "export downloaded",
        extra={"event": "export_downloaded", "export_id": job.id, "vacancy_id": job.vacancy_id},
    )
    db.session.commit()
    reply = send_from_directory(
        jobs.export_dir(), key, as_attachment=True, download_name=name, mimetype=media
    )
    reply.headers["X-Content-Type-Options"] = "nosniff"
    return reply
