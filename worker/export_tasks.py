"""Export tasks: build a requested export, sweep missed or orphaned ones, purge expired files."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.utils.log import get_task_logger

from recruit.exports import jobs
from recruit.extensions import db
from recruit.outbox.republish import republish
from recruit.tasknames import EXPORT_BUILD_TASK, EXPORT_PURGE_TASK, EXPORT_SWEEP_TASK

# Give a freshly committed job this long to be picked up before the sweep republishes it.
SWEEP_GRACE = timedelta(minutes=2)
MAX_ATTEMPTS = 3

log = get_task_logger(__name__)


@shared_task(name=EXPORT_BUILD_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def build_export(self: Any, export_id: int) -> str:
    """Claim the job, build its file, and mark it ready (emailing the link) or failed."""
    job = jobs.claim(export_id)
    if job is None:
        db.session.rollback()
        log.info("export %s skipped: finished or being built elsewhere", export_id)
        return "skipped"
    db.session.commit()  # the claim is visible before the long build starts
    if job.attempts > 1:
        log.warning(
            "export %s taken over (attempt %s): its last worker was lost", export_id, job.attempts
        )
    if job.attempts > MAX_ATTEMPTS:
        jobs.fail(job, f"gave up after {MAX_ATTEMPTS} attempts")
        db.session.commit()
        return "failed"
    try:
        path = jobs.build(job)
    except Exception as exc:  # record any failure on the job so the recruiter sees it
        db.session.rollback()
        log.exception("export %s failed", export_id)
        jobs.fail(job, f"{exc.__class__.__name__}: {exc}")
        db.session.commit()
        return "failed"
    # End the long read before writing: SQLite cannot upgrade a stale WAL snapshot to a write.
    db.session.commit()
    jobs.finish(job, path)
    db.session.commit()
    log.info("export %s ready: %s bytes", export_id, job.size_bytes)
    return "ready"


@shared_task(name=EXPORT_SWEEP_TASK)  # type: ignore[untyped-decorator]
def sweep_exports() -> int:
    """Republish jobs the broker never delivered and jobs whose worker died mid-build."""
    due = jobs.due_for_sweep(SWEEP_GRACE)
    db.session.rollback()
    published = republish(EXPORT_BUILD_TASK, due)
    if published:
        log.warning("republished exports %s", published)
    return len(published)


@shared_task(name=EXPORT_PURGE_TASK)  # type: ignore[untyped-decorator]
def purge_exports() -> int:
    """Delete the files of exports past their expiry."""
    count = jobs.purge_expired()
    db.session.commit()
    return count
