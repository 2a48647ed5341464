"""Export files expire: the scheduled purge deletes them and the download stops working."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from recruit.exports import jobs
from recruit.extensions import db
from recruit.models import ExportJob, ExportStatus
from testkit.factories import Factory
from testkit.forms import submit


def test_default_lifetime_is_seven_days(app: Flask) -> None:
    assert app.config["EXPORT_TTL_HOURS"] == 7 * 24


def test_purge_deletes_only_expired_files(app: Flask, client: FlaskClient, make: Factory) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    old = make.export(vacancy.id, recruiter.id, -timedelta(minutes=1)).id
    fresh = make.export(vacancy.id, recruiter.id, timedelta(days=3)).id
    folder = Path(app.config["EXPORT_DIR"])
    with app.app_context():
        assert jobs.purge_expired() == 1
        db.session.commit()
        assert db.session.get(ExportJob, old).status is ExportStatus.EXPIRED  # type: ignore[union-attr]
        assert db.session.get(ExportJob, fresh).status is ExportStatus.READY  # type: ignore[union-attr]
    assert sorted(p.name for p in folder.glob("export-*")) == [f"export-{fresh}.csv"]
    submit(client, "/login", {"email": recruiter.email, "password": recruiter.password})
    assert client.get(f"/admin/exports/{old}/download").status_code == 404
    download = client.get(f"/admin/exports/{fresh}/download")
    download.close()  # the file is streamed: close it, as a server does once it is sent
    assert download.status_code == 200
    assert "expired" in client.get(f"/admin/exports/{old}").get_data(as_text=True)


def test_purge_is_scheduled(app: Flask) -> None:
    from recruit.celery_config import beat_schedule

    tasks = {entry["task"] for entry in beat_schedule(app.config).values()}
    assert {"recruit.exports.purge", "recruit.exports.sweep", "recruit.outbox.sweep"} <= tasks
