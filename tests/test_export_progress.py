"""The export progress page: one truthful state at a time, live without a reload, and a
download button that names the file and its size; and the builds that really report progress."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recruit.exports import jobs
from recruit.extensions import db
from recruit.models import ApplicationStatus, ExportFormat, ExportJob, ExportStatus
from testkit.factories import Factory
from testkit.statements import listening
from tests.support.accounts import log_in

STATES: dict[str, dict[str, Any]] = {
    "queued": {"status": ExportStatus.QUEUED},
    "building": {"status": ExportStatus.BUILDING, "progress_done": 45, "progress_total": 180},
    "ready": {"status": ExportStatus.READY, "size_bytes": 20480},
    "failed": {"status": ExportStatus.FAILED, "error": "The disk is full"},
    "expired": {"status": ExportStatus.EXPIRED, "storage_key": None},
}
MESSAGES = {
    "queued": "Queued: waiting for a worker",
    "building": "Building: 25% done. 45 of 180 applications.",
    "ready": "Ready to download.",
    "failed": "The export failed: The disk is full.",
    "expired": "This export has expired",
}


def _export_in(app: Flask, make: Factory, state: str) -> tuple[SimpleNamespace, int]:
    lead = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(lead.id,))
    job = make.export(vacancy.id, lead.id, file_name="ME-T-shortlist.csv")
    with app.app_context():
        found = db.session.get(ExportJob, job.id)
        assert found is not None
        for name, value in STATES[state].items():
            setattr(found, name, value)
        db.session.commit()
    return lead, job.id


@pytest.mark.parametrize("state", list(STATES))
def test_the_page_and_its_json_show_one_state(
    app: Flask, client: FlaskClient, make: Factory, state: str
) -> None:
    lead, export_id = _export_in(app, make, state)
    log_in(client, lead)
    status = client.get(f"/admin/exports/{export_id}/status")
    assert status.headers["Cache-Control"] == "no-store"
    data = status.get_json()
    assert data["status"] == state and MESSAGES[state] in data["message"]
    html = client.get(f"/admin/exports/{export_id}").get_data(as_text=True)
    live = re.search(r'role="status" aria-live="polite" data-export-text>([^<]*)<', html)
    assert live is not None and MESSAGES[state] in live.group(1)
    assert sum(m in html for m in MESSAGES.values()) == 1, "one state at a time"
    assert "Refresh this page" not in html
    unfinished = state in ("queued", "building")
    assert ('http-equiv="refresh"' in html) is unfinished, "no-script pages reload themselves"
    assert ("data-export-fallback" in html) is unfinished, "the script hides the 'Check again'"
    assert re.search(
        r'<script type="module" nonce="[^"]+" src="/static/js/export-progress.js">', html
    )
    if state == "building":
        assert data["percent"] == 25 and 'value="25"' in html
    if state == "ready":
        assert data["download_label"] == "Download ME-T-shortlist.csv (20 KB)"
        assert ">Download ME-T-shortlist.csv (20 KB)</a>" in html
        assert data["expires_text"] and "Available until" in html
    else:
        assert data["download_url"] is None


def test_the_vacancy_page_links_its_exports(client: FlaskClient, make: Factory) -> None:
    lead = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(lead.id,))
    log_in(client, lead)
    html = client.get(f"/admin/vacancies/{vacancy.id}").get_data(as_text=True)
    assert f'href="/admin/vacancies/{vacancy.id}/exports">Export applications</a>' in html


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_every_format_reports_progress_on_its_own_connection_up_to_the_total(
    app: Flask, make: Factory, fmt: ExportFormat
) -> None:
    lead = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(lead.id,))
    for _ in range(6):
        make.application(make.candidate().id, vacancy.id, ApplicationStatus.SHORTLISTED)
    seen: list[str] = []
    with app.app_context():
        job = ExportJob(
            vacancy_id=vacancy.id,
            requested_by_id=lead.id,
            format=fmt,
            selection={"list": None, "statuses": []},
            status=ExportStatus.BUILDING,
        )
        db.session.add(job)
        db.session.commit()
        with listening(app, seen.append):
            jobs.build(job)
        db.session.commit()
        db.session.refresh(job)
        assert job.progress_total == 6 and job.progress_done == 6
    updates = [s for s in seen if s.lstrip().upper().startswith("UPDATE EXPORT_JOBS")]
    # The total once, then the rising count: a pack's three passes (sheet, PDF, ZIP) share one
    # bar, and the PDF and ZIP passes report row by row.
    assert len(updates) >= (6 if fmt is ExportFormat.PACK else 2)


def test_a_pack_spreads_its_three_passes_over_one_rising_count() -> None:
    reported: list[int] = []
    passes = [jobs.phase(reported.append, i, 3, 6) for i in range(3)]
    for report in passes:
        for n in range(1, 7):
            report(n)
    assert reported == sorted(reported) and reported[-1] == 6 and reported[5] == 2
    assert jobs.phase(reported.append, 0, 1, 6) == reported.append
