"""Equality report CSVs built by a worker: request, claim, build, finish or fail.

Follows the export jobs' pattern (`recruit.exports.jobs`): a queued row is its own outbox,
claimed with a conditional UPDATE, written to a scratch file and moved into EXPORT_DIR
atomically, in our one CSV dialect with every cell made inert. Nothing here commits.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Final

from flask import current_app

from recruit.exports import writers
from recruit.exports.jobs import claim_job, expire_files, export_dir, stale_after, store_progress
from recruit.exports.jobs import fail as fail_job
from recruit.extensions import db
from recruit.models import ExportStatus, MonitoringReportJob, Vacancy, utcnow
from recruit.monitoring.reports import build_report, csv_rows, report_vacancies

PREFIX: Final = "monitoring-"
# A queued job older than this was missed by the broker (or its worker died before claiming).
REPUBLISH_AFTER: Final = timedelta(minutes=2)


def request_report(vacancy: Vacancy | None) -> MonitoringReportJob:
    """Record a report job (None: every vacancy); the after-commit relay hands it to a worker."""
    job = MonitoringReportJob(
        vacancy_id=vacancy.id if vacancy is not None else None, status=ExportStatus.QUEUED
    )
    db.session.add(job)
    return job


def missed(job: MonitoringReportJob) -> bool:
    """Whether the job should be handed to the broker again: queued and long unclaimed, or its
    build's worker died. There is no sweep: whoever watches the job's page retries it."""
    if job.status is ExportStatus.QUEUED:
        return job.created_at < utcnow() - REPUBLISH_AFTER
    stale = job.claimed_at is not None and job.claimed_at < utcnow() - stale_after()
    return job.status is ExportStatus.BUILDING and stale


def claim(job_id: int) -> MonitoringReportJob | None:
    """Take the job for this worker, or None if another has it or it is finished."""
    return claim_job(MonitoringReportJob, job_id)


def _progress(job_id: int) -> Callable[[int], None]:
    """Record reports done as they are, so the page sees it live."""
    return lambda done: store_progress(MonitoringReportJob, job_id, progress_done=done)


def build(job: MonitoringReportJob) -> Path:
    """Write the CSV: the vacancy's report, or the overall one and then each vacancy's."""
    if job.vacancy_id is not None:
        vacancy = db.session.get(Vacancy, job.vacancy_id)
        assert vacancy is not None
        targets: list[Vacancy | None] = [vacancy]
    else:
        targets = [None, *report_vacancies()]
    store_progress(MonitoringReportJob, job.id, progress_total=len(targets))
    reports = (build_report(target) for target in targets)
    target_path = export_dir() / f"{PREFIX}{job.id}.csv"
    with tempfile.TemporaryDirectory(dir=export_dir(), prefix=f".build-{PREFIX}{job.id}-") as tmp:
        out = Path(tmp) / "report.csv"
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = writers.csv_writer(handle)
            for row in csv_rows(reports, _progress(job.id)):
                writer.writerow(writers.csv_cells(row))
        os.replace(out, target_path)
    return target_path


def download_name(job: MonitoringReportJob) -> str:
    """e.g. equality-report-ME-2026-0004.csv, or equality-report-all-vacancies.csv."""
    vacancy = db.session.get(Vacancy, job.vacancy_id) if job.vacancy_id else None
    which = vacancy.reference if vacancy is not None else "all-vacancies"
    return f"equality-report-{which}.csv"


def finish(job: MonitoringReportJob, path: Path) -> None:
    """Mark the job ready, with the same lifetime as an export's file."""
    job.status = ExportStatus.READY
    job.storage_key = path.name
    job.file_name = download_name(job)
    job.finished_at = utcnow()
    job.expires_at = utcnow() + timedelta(hours=int(current_app.config["EXPORT_TTL_HOURS"]))


def fail(job: MonitoringReportJob, error: str) -> None:
    """Record why the build failed; the page shows it."""
    fail_job(job, error)


def purge_expired() -> int:
    """Delete the files of report CSVs past their expiry and mark them expired; return how many.

    Run by the hourly retention task, and whenever a new report is asked for. The caller
    commits. The files go before the commit: a rollback leaves rows past their expiry, which
    the download refuses anyway, for the next run to mark.
    """
    return expire_files(MonitoringReportJob)
