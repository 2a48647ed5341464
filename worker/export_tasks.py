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
from worker.builds import Build, run

# Give a freshly committed job this long to be picked up before the sweep republishes it.
SWEEP_GRACE = timedelta(minutes=2)

log = get_task_logger(__name__)


EXPORT = Build("export", log, jobs.claim, jobs.build, jobs.finish, jobs.fail)


@shared_task(name=EXPORT_BUILD_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def build_export(self: Any, export_id: int) -> str:
    """Claim the job, build its file, and mark it ready (emailing the link) or failed."""
    outcome, job = run(EXPORT, export_id)
    if job is not None:
        log.info("export %s ready: %s bytes", export_id, job.size_bytes)
    return outcome


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
