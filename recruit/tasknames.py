"""Every background task's name, in one place: the worker, beat and the publishers import it.

The names are stable strings, never renamed: tasks already queued in the broker carry them,
and a worker that knew the task only by a new name would drop them. The web tier publishes by
name so that it never imports `worker/`. This module is a leaf: it imports nothing.
"""

from __future__ import annotations

from typing import Final

DELIVER_TASK: Final = "recruit.outbox.deliver"
# Several email rows in one task (a relay's rows, in chunks): one SMTP connection, fewer commits.
DELIVER_BATCH_TASK: Final = "recruit.outbox.deliver_batch"
# One message per commit that wrote several outbox-like rows: the worker hands each to its task.
RELAY_TASK: Final = "recruit.outbox.relay"
OUTBOX_SWEEP_TASK: Final = "recruit.outbox.sweep"
CLOSE_DUE_TASK: Final = "recruit.vacancies.close_due"
REMIND_DRAFTS_TASK: Final = "recruit.applications.remind_drafts"
EXPORT_BUILD_TASK: Final = "recruit.exports.build"
EXPORT_SWEEP_TASK: Final = "recruit.exports.sweep"
EXPORT_PURGE_TASK: Final = "recruit.exports.purge"
HEARTBEAT_TASK: Final = "recruit.worker.heartbeat"
PURGE_SESSIONS_TASK: Final = "recruit.sessions.purge"
MONITORING_REPORT_TASK: Final = "recruit.monitoring.build_report"
RETENTION_PURGE_TASK: Final = "recruit.retention.purge"
ACCESS_PACK_BUILD_TASK: Final = "recruit.privacy.build_access_pack"
# Deliver to the endpoint of this webhook delivery, in event-id order; and beat's sweep of them.
WEBHOOK_DELIVER_TASK: Final = "recruit.webhooks.deliver"
WEBHOOK_SWEEP_TASK: Final = "recruit.webhooks.sweep"
# Daily: email each job alert the vacancies published since its last run.
JOB_ALERTS_TASK: Final = "recruit.alerts.send_daily"

TASK_NAMES: Final = frozenset(
    {
        DELIVER_TASK,
        DELIVER_BATCH_TASK,
        RELAY_TASK,
        OUTBOX_SWEEP_TASK,
        CLOSE_DUE_TASK,
        REMIND_DRAFTS_TASK,
        EXPORT_BUILD_TASK,
        EXPORT_SWEEP_TASK,
        EXPORT_PURGE_TASK,
        HEARTBEAT_TASK,
        PURGE_SESSIONS_TASK,
        MONITORING_REPORT_TASK,
        RETENTION_PURGE_TASK,
        ACCESS_PACK_BUILD_TASK,
        JOB_ALERTS_TASK,
        WEBHOOK_DELIVER_TASK,
        WEBHOOK_SWEEP_TASK,
    }
)
