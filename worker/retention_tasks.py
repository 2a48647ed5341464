"""The retention task: purge expired applications, and expired equality report files."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.utils.log import get_task_logger

from recruit.extensions import db
from recruit.models import PurgeTrigger
from recruit.monitoring import report_jobs
from recruit.privacy import retention
from recruit.tasknames import RETENTION_PURGE_TASK

log = get_task_logger(__name__)


@shared_task(name=RETENTION_PURGE_TASK, bind=True)  # type: ignore[untyped-decorator]
def purge_expired_applications(self: Any) -> int:
    """Run the retention purge (it commits per vacancy); return how many receipts it wrote.

    Then delete equality report CSVs past their expiry, so they go on schedule even when
    nobody asks for a new report.
    """
    receipts = retention.run(PurgeTrigger.SCHEDULED)
    for receipt in receipts:
        log.info(
            "retention receipt %s: vacancy %s, %s applications purged",
            receipt.id,
            receipt.vacancy_reference,
            receipt.counts.get("applications", 0),
        )
    reports = report_jobs.purge_expired()
    db.session.commit()
    if reports:
        log.info("retention: %s expired equality reports deleted", reports)
    return len(receipts)
