"""The daily job-alert task: email each alert the open vacancies new to it, one commit each."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.utils.log import get_task_logger
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import db_now
from recruit.services import alerts
from recruit.tasknames import JOB_ALERTS_TASK

log = get_task_logger(__name__)


@shared_task(name=JOB_ALERTS_TASK, bind=True)  # type: ignore[untyped-decorator]
def send_job_alerts(self: Any) -> int:
    """Run every alert once (each in its own transaction); return how many emails were queued.

    Each alert's email is an outbox row committed with the alert's new mark and its list of
    vacancies sent, so a crash or a second run never sends a vacancy twice to one alert.
    """
    now = db.session.scalar(select(db_now()))
    db.session.commit()
    if now is None:
        return 0
    emails = 0
    for alert_id in alerts.due_alert_ids():
        try:
            if alerts.send_new_vacancies(alert_id, now) > 0:
                emails += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("job alert %s failed; the next run tries it again", alert_id)
    log.info("job alerts: %s emails queued", emails)
    return emails
