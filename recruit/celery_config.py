"""Celery settings shared by the web tier's publishing client and the worker."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery.schedules import crontab

from recruit import tasknames
from recruit.broker_transport import TRANSPORT_PATH

# Longest a task may run before the worker kills it; the broker's visibility timeout must
# exceed it (and any retry delay) or Redis would redeliver work that is still in progress.
TASK_HARD_TIME_LIMIT = 15 * 60
TASK_SOFT_TIME_LIMIT = 14 * 60
VISIBILITY_TIMEOUT = 2 * 60 * 60
HEARTBEAT_SECONDS = 30


def broker_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Broker URL and transport options: Redis when configured, else kombu's filesystem."""
    redis_url = config.get("REDIS_URL")
    timeout = float(config.get("PUBLISH_TIMEOUT", 2.0))
    if redis_url:
        return {
            "broker_url": redis_url,
            **_mended_transport(str(redis_url)),
            "broker_transport_options": {
                "visibility_timeout": VISIBILITY_TIMEOUT,
                "socket_timeout": timeout,
                "socket_connect_timeout": timeout,
                # Notice a frozen or vanished Redis between commands, not only on a timeout.
                "socket_keepalive": True,
                "health_check_interval": 10,
            },
            "broker_connection_timeout": timeout,
        }
    folder = Path(config["BROKER_DIR"])
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": "filesystem://",
        "broker_transport_options": {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            # Celery's control exchange would otherwise write into the current directory.
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    }


def _mended_transport(redis_url: str) -> dict[str, str]:
    """Select the Redis transport that survives losing Redis, for plain `redis://` URLs.

    `rediss://` keeps kombu's own transport, whose TLS defaults depend on the scheme's name.
    """
    return {"broker_transport": TRANSPORT_PATH} if redis_url.startswith("redis://") else {}


def celery_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Every Celery setting, following Celery's advice for reliable delivery on Redis."""
    settings: dict[str, Any] = {
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": TASK_HARD_TIME_LIMIT,
        "task_soft_time_limit": TASK_SOFT_TIME_LIMIT,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "timezone": "UTC",
        "enable_utc": True,
        "broker_connection_retry_on_startup": True,
        # After losing Redis the worker reconnects for as long as it takes, never giving up.
        "broker_connection_max_retries": None,
        # Keep a task running when the broker connection drops: it records its outcome in the
        # database, and the redelivered copy finds the row already claimed or sent.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "worker_hijack_root_logger": False,
        "task_default_queue": str(config.get("TASK_QUEUE") or "recruit"),
        "beat_schedule": beat_schedule(config),
    }
    settings.update(broker_settings(config))
    return settings


def beat_schedule(config: Mapping[str, Any]) -> dict[str, Any]:
    """Scheduled jobs, named by task so the web tier needs no worker code."""
    sweep = float(config.get("OUTBOX_SWEEP_SECONDS", 30))
    return {
        "sweep-outbox": {"task": tasknames.OUTBOX_SWEEP_TASK, "schedule": timedelta(seconds=sweep)},
        "close-due-vacancies": {
            "task": tasknames.CLOSE_DUE_TASK,
            "schedule": timedelta(seconds=60),
        },
        "remind-drafts": {
            "task": tasknames.REMIND_DRAFTS_TASK,
            "schedule": timedelta(minutes=15),
        },
        "purge-expired-applications": {
            "task": tasknames.RETENTION_PURGE_TASK,
            "schedule": timedelta(hours=1),
        },
        "sweep-exports": {"task": tasknames.EXPORT_SWEEP_TASK, "schedule": timedelta(minutes=1)},
        # Webhook deliveries whose task the broker lost, or whose retry is due: once a minute.
        "sweep-webhooks": {
            "task": tasknames.WEBHOOK_SWEEP_TASK,
            "schedule": timedelta(minutes=1),
        },
        # Without an id the access-pack task sweeps: expires old packs, blanks erased accounts'
        # last addresses once their email has gone, and republishes builds the broker lost.
        "sweep-access-packs": {
            "task": tasknames.ACCESS_PACK_BUILD_TASK,
            "schedule": timedelta(minutes=5),
        },
        "purge-expired-exports": {
            "task": tasknames.EXPORT_PURGE_TASK,
            "schedule": timedelta(minutes=30),
        },
        # Timed-out sessions are refused when read; this deletes their rows so they never pile up.
        "purge-expired-sessions": {
            "task": tasknames.PURGE_SESSIONS_TASK,
            "schedule": timedelta(minutes=15),
        },
        # Once a day, in the morning (UTC): each job alert's new vacancies, if any.
        "send-job-alerts": {
            "task": tasknames.JOB_ALERTS_TASK,
            "schedule": crontab(hour=7, minute=0),
        },
        "worker-heartbeat": {
            "task": tasknames.HEARTBEAT_TASK,
            "schedule": timedelta(seconds=HEARTBEAT_SECONDS),
            # A heartbeat that waited in a dead broker proves nothing; drop it if stale.
            "options": {"expires": HEARTBEAT_SECONDS},
        },
    }
