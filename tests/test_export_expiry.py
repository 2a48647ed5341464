"""Export files expire: the scheduled purge deletes them and the download stops working."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from recruit.exports import jobs
from recruit.extensions import db
from recruit.models import ExportFormat, ExportJob, ExportStatus, utcnow
from testkit.factories import Factory
from testkit.forms import submit


def ready_export(app: Flask, vacancy_id: int, user_id: int, expires_in: timedelta) -> int:
    """A finished export whose file is on disk."""
    with app.app_context():
        job = ExportJob(
            vacancy_id=vacancy_id,
            requested_by_id=user_id,
            format=ExportFormat.CSV,
            selection={},
            status=ExportStatus.READY,
            file_name="shortlist.csv",
            expires_at=utcnow() + expires_in,
        )
        db.session.add(job)
        db.session.flush()
        job.storage_key = f"export-{job.id}.csv"
        (jobs.export_dir() / job.storage_key).write_text("Candidate\r\n", encoding="utf-8")
        db.session.commit()
        return job.id


def test_default_lifetime_is_seven_days(app: Flask) -> None:
    assert app.config["EXPORT_TTL_HOURS"] == 7 * 24


def test_purge_deletes_only_expired_files(app: Flask, client: FlaskClient, make: Factory) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    old = ready_export(app, vacancy.id, recruiter.id, -timedelta(minutes=1))
    fresh = ready_export(app, vacancy.id, recruiter.id, timedelta(days=3))
    folder = Path(app.config["EXPORT_DIR"])
    with app.app_context():
        assert jobs.purge_expired() == 1
        db.session.commit()
        assert db.session.get(ExportJob, old).status is ExportStatus.EXPIRED  # type: ignore[union-attr]
        assert db.session.get(ExportJob, fresh).status is ExportStatus.READY  # type: ignore[union-attr]
    assert sorted(p.name for p in folder.glob("export-*")) == [f"export-{fresh}.csv"]
    submit(client, "/login", {"email": recruiter.email, "password": recruiter.password})
    assert client.get(f"/admin/exports/{old}/download").status_code == 404
    assert client.get(f"/admin/exports/{fresh}/download").status_code == 200
    assert "expired" in client.get(f"/admin/exports/{old}").get_data(as_text=True)


def test_purge_is_scheduled(app: Flask) -> None:
    from recruit.celery_config import beat_schedule

    tasks = {entry["task"] for entry in beat_schedule(app.config).values()}
    assert {"recruit.exports.purge", "recruit.exports.sweep", "recruit.outbox.sweep"} <= tasks
