"""The equality report CSV, built by a real worker: suppressed like the page, cells inert."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from recruit.celery_config import beat_schedule
from recruit.exports.safety import FORMULA_TRIGGERS
from recruit.extensions import db
from recruit.models import AuditEvent, ExportStatus, MonitoringReportJob, Role, utcnow
from recruit.outbox.dispatch import celery_client
from recruit.tasknames import RETENTION_PURGE_TASK
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in
from tests.support.monitoring import seed_vacancy
from tests.support.worker import running_worker, wait_until

pytestmark = pytest.mark.integration

# A spreadsheet splitting at `;` would start a cell with the formula: it must arrive inert.
HOSTILE_TITLE = 'Trade;=HYPERLINK("http://evil.example")'


def finished(client: FlaskClient, report_id: int) -> bool:
    status = client.get(f"/admin/equality/reports/{report_id}/status").get_json()
    return status["status"] in ("ready", "failed")


@pytest.mark.parametrize("which", ["vacancy", "all"])
def test_a_worker_builds_the_report_as_csv_for_the_equality_role(
    app: Flask, client: FlaskClient, make: Factory, tmp_path: Path, which: str
) -> None:
    world = seed_vacancy(app, make, title=HOSTILE_TITLE)
    officer = make.user(Role.EQUALITY)
    log_in(client, officer)
    page = (
        f"/admin/equality/vacancies/{world.vacancy.id}" if which == "vacancy" else "/admin/equality"
    )
    action = f"{page}/csv" if which == "vacancy" else "/admin/equality/csv"
    with running_worker(app, tmp_path / "worker") as worker:
        response = submit(client, page, {}, action=action)
        assert response.status_code == 302
        report_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        try:
            wait_until(lambda: finished(client, report_id), message="report finished")
        except AssertionError:
            raise AssertionError(f"report not finished; worker log:\n{worker.log()}") from None
    status = client.get(f"/admin/equality/reports/{report_id}/status").get_json()
    assert status["status"] == "ready", status
    assert status["done"] == status["total"] == (1 if which == "vacancy" else 2)
    # Another role cannot fetch it, even with the link.
    recruiter = app.test_client()
    log_in(recruiter, make.recruiter())
    assert recruiter.get(status["download_url"]).status_code == 403
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    body = download.data
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0] == [
        "Report",
        "Question",
        "Category",
        "Stage",
        "Count",
        "Moved on to the next stage",
    ]
    title = f'{world.vacancy.reference} Trade;\'=HYPERLINK("http://evil.example")'
    assert title in {line[0] for line in lines}, "the title's formula piece is made inert"
    sex = {
        (line[2], line[3]): (line[4], line[5])
        for line in lines
        if line[0] == title and line[1] == "What is your sex?"
    }
    assert sex[("Female", "applied")] == ("8", "75%")
    assert sex[("Female", "interviewed")] == ("6", "–")
    assert sex[("Male", "applied")] == ("withheld", "–")
    assert sex[("Prefer not to say", "applied")] == ("fewer than 5", "–")
    assert sex[("All respondents", "shortlisted")] == ("11", "55%")
    assert not any(cell.startswith(FORMULA_TRIGGERS) for line in lines for cell in line)
    with app.app_context():
        job = db.session.get(MonitoringReportJob, report_id)
        assert job is not None and job.file_name
        assert (Path(app.config["EXPORT_DIR"]) / str(job.storage_key)).is_file()
        audited = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == "equality_report_downloaded")
        ).all()
        assert [a.actor_id for a in audited] == [officer.id]


def test_a_job_the_broker_missed_is_handed_over_again_when_its_page_is_opened(
    app: Flask, client: FlaskClient, make: Factory, tmp_path: Path
) -> None:
    seed_vacancy(app, make)
    log_in(client, make.admin())
    with app.app_context():
        # Written without the session's after-commit publishing: as if the broker was down.
        result = db.session.execute(
            insert(MonitoringReportJob).values(
                status=ExportStatus.QUEUED, created_at=utcnow() - timedelta(minutes=3)
            )
        )
        db.session.commit()
        report_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    with running_worker(app, tmp_path / "worker") as worker:
        assert client.get(f"/admin/equality/reports/{report_id}").status_code == 200
        try:
            wait_until(lambda: finished(client, report_id), message="report finished")
        except AssertionError:
            raise AssertionError(f"report not finished; worker log:\n{worker.log()}") from None
    status = client.get(f"/admin/equality/reports/{report_id}/status").get_json()
    assert status["status"] == "ready"
    assert b"What is your sex?" in client.get(status["download_url"]).data


def test_the_hourly_retention_task_deletes_expired_report_files(app: Flask, tmp_path: Path) -> None:
    [entry] = [e for e in beat_schedule(app.config).values() if e["task"] == RETENTION_PURGE_TASK]
    folder = Path(app.config["EXPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        jobs = {
            "expired": MonitoringReportJob(expires_at=utcnow() - timedelta(minutes=1)),
            "fresh": MonitoringReportJob(expires_at=utcnow() + timedelta(days=3)),
        }
        for name, job in jobs.items():
            job.status = ExportStatus.READY
            job.storage_key = f"monitoring-test-{name}.csv"
            (folder / job.storage_key).write_text("Report,Count\r\n")
            db.session.add(job)
        db.session.commit()
        ids = {name: job.id for name, job in jobs.items()}
    expired_file, fresh_file = (folder / f"monitoring-test-{n}.csv" for n in ("expired", "fresh"))
    with running_worker(app, tmp_path / "worker") as worker:
        # What beat does every hour; nobody asks for a new report meanwhile.
        celery_client(app).send_task(entry["task"], **entry.get("options", {}))
        try:
            wait_until(lambda: not expired_file.exists(), message="expired report deleted")
        except AssertionError:
            raise AssertionError(f"file still there; worker log:\n{worker.log()}") from None
        wait_until(lambda: "expired equality reports deleted" in worker.log(), message="log")
    assert fresh_file.is_file()
    with app.app_context():
        gone = db.session.get(MonitoringReportJob, ids["expired"])
        kept = db.session.get(MonitoringReportJob, ids["fresh"])
        assert gone is not None and kept is not None
        assert (gone.status, gone.storage_key) == (ExportStatus.EXPIRED, None)
        assert kept.status is ExportStatus.READY
