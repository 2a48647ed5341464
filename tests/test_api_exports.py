"""Export requests through the API (issue #14): ask for one, poll its progress, download it,
by the export page's rules; the build task is published only once the request has committed,
and a real worker builds the file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from recruit.exports import jobs
from recruit.extensions import db
from recruit.models import (
    ApplicationStatus,
    AuditEvent,
    ExportDownload,
    ExportJob,
    ExportStatus,
    TokenScope,
    utcnow,
)
from recruit.tasknames import EXPORT_BUILD_TASK, RELAY_TASK
from testkit.factories import Factory
from tests.conftest import AppFactory
from tests.support.api import admin_access_details, bearer, issue_token
from tests.support.smtp import SMTPServer, smtp_server
from tests.support.worker import (
    handed_over,
    queued_tasks,
    redis_settings,
    running_worker,
    wait_until,
)

PROBLEM = "application/problem+json"


@pytest.fixture
def served(app_factory: AppFactory) -> Iterator[tuple[Flask, SMTPServer, str]]:
    """An app on its own Redis queue, sending mail to a real SMTP server; and the queue."""
    with smtp_server() as smtp, redis_settings() as settings:
        yield app_factory(**settings, SMTP_URL=smtp.url), smtp, settings["TASK_QUEUE"]


def jobs_count(app: Flask) -> int:
    """How many export jobs exist."""
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(ExportJob)) or 0)


def build_tasks(app: Flask) -> list[int]:
    """The export jobs handed to the workers so far: by their own task, or in a relay."""
    handed_over(app)
    found: list[int] = []
    for name, args in queued_tasks(app.config["TASK_QUEUE"]):
        if name == EXPORT_BUILD_TASK:
            found.append(int(args[0]))
        elif name == RELAY_TASK:
            found += [int(i) for i in args[0].get(EXPORT_BUILD_TASK, [])]
    return found


def test_the_build_is_published_only_after_the_request_commits(
    served: tuple[Flask, SMTPServer, str], make: Factory
) -> None:
    app, _, _ = served
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    secret = issue_token(app, recruiter, TokenScope.WRITE)[1]
    client = app.test_client()
    path = f"/api/v1/staff/vacancies/{vacancy.id}/exports"
    refused = client.post(path, json={"format": "pdf"}, headers=bearer(secret))
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert build_tasks(app) == [] and jobs_count(app) == 0
    headers = {**bearer(secret), "Idempotency-Key": "export-1"}
    asked = client.post(path, json={"format": "csv", "which": "all"}, headers=headers)
    assert asked.status_code == 202, asked.get_data(as_text=True)
    body = asked.get_json()
    assert asked.headers["Location"] == body["links"]["self"]
    assert body["status"] == "queued" and body["progress"] == {"done": 0, "total": 0, "percent": 0}
    assert body["format"] == "csv" and body["which"] == "all" and body["stage"] is None
    assert body["links"]["download"] is None
    # Handed to the workers after the commit (the after-commit relay), once.
    assert build_tasks(app) == [body["id"]]
    retry = client.post(path, json={"which": "all", "format": "csv"}, headers=headers)
    assert retry.status_code == 202 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.get_json() == body and jobs_count(app) == 1
    assert build_tasks(app) == [body["id"]]


@pytest.mark.integration
def test_request_poll_and_download_an_export_built_by_a_real_worker(
    served: tuple[Flask, SMTPServer, str], make: Factory, tmp_path: Path
) -> None:
    app, _, _ = served
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    for name in ("Ada Applicant", "Ben Bidder"):
        candidate = make.candidate(full_name=name)
        make.application(candidate.id, vacancy.id, ApplicationStatus.SHORTLISTED)
    secret = issue_token(app, recruiter, TokenScope.WRITE)[1]
    client = app.test_client()
    with running_worker(app, tmp_path / "worker") as worker:
        asked = client.post(
            f"/api/v1/staff/vacancies/{vacancy.id}/exports",
            json={"format": "csv", "which": "all", "stage": "shortlisted"},
            headers=bearer(secret),
        )
        assert asked.status_code == 202
        status_url = asked.headers["Location"].replace("http://recruit.test", "")
        seen: set[str] = set()

        def ready() -> bool:
            state = client.get(status_url, headers=bearer(secret)).get_json()
            seen.add(state["status"])
            return bool(state["status"] == "ready")

        try:
            wait_until(ready, message="export built")
        except AssertionError:
            raise AssertionError(f"not built; worker log:\n{worker.log()}") from None
    state = client.get(status_url, headers=bearer(secret)).get_json()
    assert state["progress"] == {"done": 2, "total": 2, "percent": 100}
    assert state["file_name"].endswith(".csv") and state["size_bytes"] > 0
    assert state["stage"] == "shortlisted" and state["expires_at"]
    download = client.get(
        state["links"]["download"].replace("http://recruit.test", ""), headers=bearer(secret)
    )
    assert download.status_code == 200, download.get_data(as_text=True)
    assert download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    text = download.get_data(as_text=True)
    names = {row[0] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))}
    assert any("Ada Applicant" in n for n in names) or "Ada Applicant" in text
    with app.app_context():
        downloads = db.session.scalars(select(ExportDownload)).all()
        assert [d.user_id for d in downloads] == [recruiter.id]


def set_job(app: Flask, job_id: int, **values: object) -> None:
    """Put the export job in a state, as a worker would have left it."""
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        assert job is not None
        for name, value in values.items():
            setattr(job, name, value)
        db.session.commit()


def test_status_as_the_page_shows_it_and_no_download_until_ready(app: Flask, make: Factory) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    job_id = make.export(vacancy.id, recruiter.id).id
    secret = issue_token(app, recruiter)[1]
    client = app.test_client()
    status, download = f"/api/v1/exports/{job_id}", f"/api/v1/exports/{job_id}/download"
    set_job(app, job_id, status=ExportStatus.QUEUED, storage_key=None)
    assert client.get(status, headers=bearer(secret)).get_json()["status"] == "queued"
    queued = client.get(download, headers=bearer(secret))
    assert queued.status_code == 409 and "queued" in queued.get_json()["detail"]
    set_job(app, job_id, status=ExportStatus.BUILDING, progress_done=30, progress_total=120)
    building = client.get(status, headers=bearer(secret)).get_json()
    assert building["progress"] == {"done": 30, "total": 120, "percent": 25}
    assert client.get(download, headers=bearer(secret)).status_code == 409
    set_job(app, job_id, status=ExportStatus.FAILED, error="Disk full")
    failed = client.get(status, headers=bearer(secret)).get_json()
    assert failed["error"] == "Disk full" and failed["progress"]["percent"] == 0
    assert "failed" in client.get(download, headers=bearer(secret)).get_json()["detail"]
    set_job(
        app, job_id, status=ExportStatus.EXPIRED, error=None, expires_at=utcnow() - timedelta(1)
    )
    assert "expired" in client.get(download, headers=bearer(secret)).get_json()["detail"]
    assert client.get("/api/v1/exports/999999", headers=bearer(secret)).status_code == 404
    assert client.get("/api/v1/exports/999999/download", headers=bearer(secret)).status_code == 404
    reader = client.post(
        f"/api/v1/staff/vacancies/{vacancy.id}/exports", json={}, headers=bearer(secret)
    )
    assert reader.status_code == 403 and reader.get_json()["required_scope"] == "write"


def test_an_admin_outside_the_team_exports_and_is_audited(app: Flask, make: Factory) -> None:
    admin = make.admin()
    vacancy = make.vacancy(recruiter_ids=(make.recruiter().id,))
    secret = issue_token(app, admin, TokenScope.WRITE)[1]
    client = app.test_client()
    asked = client.post(
        f"/api/v1/staff/vacancies/{vacancy.id}/exports", json={}, headers=bearer(secret)
    )
    assert asked.status_code == 202
    body = asked.get_json()
    assert body["format"] == "xlsx" and body["which"] == "shortlist"  # the page's defaults
    key = "export-admin.csv"
    with app.app_context():
        (jobs.export_dir() / key).write_text("a,b\n")
    set_job(app, body["id"], status=ExportStatus.READY, storage_key=key, file_name="x.xlsx")
    got = client.get(f"/api/v1/exports/{body['id']}/download", headers=bearer(secret))
    assert got.status_code == 200
    details = admin_access_details(app, AuditEvent.vacancy_id == vacancy.id)
    assert sorted(details) == ["api: export download", "api: export request"]
