"""Every background task's name, in one place: the worker, beat and the publishers import it.

The names are stable strings, never renamed: tasks already queued in the broker carry them,
and a worker that knew the task only by a new name would drop them. The web tier publishes by
name so that it never imports `worker/`. This module is a leaf: it imports nothing.
"""

from __future__ import annotations

from typing import Final

DELIVER_TASK: Final = "recruit.outbox.deliver"
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

TASK_NAMES: Final = frozenset(
    {
        DELIVER_TASK,
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
    }
)
