"""Equality report tasks: build a requested report CSV (aggregate, suppressed counts only)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.utils.log import get_task_logger

from recruit.extensions import db
from recruit.monitoring import report_jobs
from recruit.tasknames import MONITORING_REPORT_TASK

MAX_ATTEMPTS = 3

log = get_task_logger(__name__)


@shared_task(name=MONITORING_REPORT_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def build_monitoring_report(self: Any, job_id: int) -> str:
    """Claim the job, write its CSV, and mark it ready or failed."""
    job = report_jobs.claim(job_id)
    if job is None:
        db.session.rollback()
        log.info("monitoring report %s skipped: finished or being built elsewhere", job_id)
        return "skipped"
    db.session.commit()  # the claim is visible before the build starts
    if job.attempts > MAX_ATTEMPTS:
        report_jobs.fail(job, f"gave up after {MAX_ATTEMPTS} attempts")
        db.session.commit()
        return "failed"
    try:
        path = report_jobs.build(job)
    except Exception as exc:  # record any failure on the job so the page shows it
        db.session.rollback()
        log.exception("monitoring report %s failed", job_id)
        report_jobs.fail(job, exc.__class__.__name__)
        db.session.commit()
        return "failed"
    db.session.commit()  # end the long read before writing (SQLite WAL snapshots)
    report_jobs.finish(job, path)
    db.session.commit()
    log.info("monitoring report %s ready", job_id)
    return "ready"
