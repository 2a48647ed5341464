"""Equality report tasks: build a requested report CSV (aggregate, suppressed counts only)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.utils.log import get_task_logger

from recruit.monitoring import report_jobs
from recruit.tasknames import MONITORING_REPORT_TASK
from worker.builds import Build, kind_only, run

log = get_task_logger(__name__)


# A failed report records the error's kind only, not its message.
REPORT = Build(
    "monitoring report",
    log,
    report_jobs.claim,
    report_jobs.build,
    report_jobs.finish,
    report_jobs.fail,
    error_text=kind_only,
)


@shared_task(name=MONITORING_REPORT_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def build_monitoring_report(self: Any, job_id: int) -> str:
    """Claim the job, write its CSV, and mark it ready or failed."""
    outcome, job = run(REPORT, job_id)
    if job is not None:
        log.info("monitoring report %s ready", job_id)
    return outcome
