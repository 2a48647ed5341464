"""Configuration: defaults, then RECRUIT_* environment variables, then an explicit mapping."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "RECRUIT_"

DEFAULTS: dict[str, Any] = {
    # "development" allows an ephemeral secret key and non-Secure cookies; "production" does not.
    "ENV": "development",
    "SECRET_KEY": None,
    "BASE_URL": "http://127.0.0.1:5000",
    "DATABASE_URL": None,  # None means SQLite in the instance folder
    # Connections each web or worker process keeps (and as many again at a peak). A request can
    # hold two at once (its transaction, then the session write): keep it at least twice
    # WEB_WORK_SLOTS.
    "DB_POOL_SIZE": 10,
    # Requests per web process that run their view at once; the rest wait, received (0: no gate).
    "WEB_WORK_SLOTS": 2,
    # Longest wait for a slot before the friendly 503 page. A waiting request is already
    # received, and judged at its receipt, so it waits out a closing-time crowd rather than be
    # turned away; kept under RECEIPT_VALIDITY (120 s) and nginx's 150 s.
    "WEB_WORK_WAIT_SECONDS": 100.0,
    "REDIS_URL": None,  # None means kombu's filesystem broker in the instance folder
    "SMTP_URL": None,  # None means .eml files written to MAIL_DIR
    "SMTP_TIMEOUT": 10.0,
    # A worker process reuses its SMTP connection for this many emails or seconds, whichever
    # comes first (1 email: a connection per email, as before).
    "SMTP_CONNECTION_MAX_MESSAGES": 100,
    "SMTP_CONNECTION_MAX_SECONDS": 60.0,
    "MAIL_FROM": "Midlands Engine Recruitment <recruitment@midlandsengine.example>",
    "MAIL_DIR": None,
    "UPLOAD_DIR": None,
    "BROKER_DIR": None,
    "EXPORT_DIR": None,
    "EXPORT_TTL_HOURS": 168,
    "EXPORT_STALE_SECONDS": 960,  # a building export untouched this long lost its worker
    "PDF_FONT_PATH": None,
    "MAX_CV_BYTES": 10 * 1024 * 1024,
    "UPLOAD_QUOTA_BYTES": 50 * 1024 * 1024,  # per user, across every file they have stored
    "RESET_TOKEN_MINUTES": 30,
    # At most one reset email per account in this many seconds; further requests get the same
    # page and do the same work, but the worker sends nothing.
    "RESET_EMAIL_INTERVAL_SECONDS": 300,
    "SESSION_IDLE_MINUTES": 30,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_PREFIX": "recruit:rl:",
    "RATELIMIT_PER_ADDRESS": 30,
    "RATELIMIT_WINDOW_SECONDS": 300,
    # JSON API (recruit.api.auth): requests per token, and per address on public endpoints.
    "API_RATELIMIT_PER_TOKEN": 600,
    "API_RATELIMIT_PER_ADDRESS": 300,
    "API_RATELIMIT_WINDOW_SECONDS": 60,
    # Redis key prefix of the shared version behind cached public pages (recruit.web.page_cache).
    "PAGE_CACHE_PREFIX": "recruit:page:",
    # How stale another process's change to a vacancy may show in a cached public page.
    "PAGE_CACHE_CHECK_SECONDS": 0.25,
    # Longest a signed-in session keeps its own copy of a staff list page (recruit.web.staff_pages);
    # any relevant write ends it sooner. 0 keeps none.
    "STAFF_PAGE_MAX_AGE_SECONDS": 60.0,
    # Failed logins one client (address or known device) may make on an account before its
    # own progressive delay starts.
    "LOGIN_FREE_FAILURES": 5,
    # Soft account-wide ceiling: once clients' free failures on an account add up to this
    # within an hour, clients without a known-device cookie share one progressive delay.
    "LOGIN_MAX_FAILURES_PER_HOUR": 100,
    "LOGIN_MAX_DELAY_SECONDS": 900,
    "LOGIN_DEVICE_COOKIE_DAYS": 180,  # how long a browser stays a known device for an account
    "TRUSTED_PROXIES": 0,
    # Addresses or networks (comma-separated) of the front end whose X-Request-Start arrival
    # stamp the deadline believes (recruit.web.receipt); empty: no stamp is believed.
    "ARRIVAL_STAMP_PROXIES": "",
    "SESSION_ABSOLUTE_HOURS": 12,
    "VERIFY_TOKEN_HOURS": 48,
    "INVITE_TOKEN_DAYS": 7,
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_KIB": 65536,
    "ARGON2_PARALLELISM": 1,
    "PAGE_SIZE": 10,
    # Keys the pseudonym that links equal-opportunities answers to an application (HMAC-SHA256).
    # Required in production; development keeps one in the instance folder.
    "MONITORING_KEY": None,
    "RETENTION_MONTHS": 6,  # the default retention period for a new vacancy
    "ACCESS_PACK_DAYS": 7,  # how long a subject access pack can be downloaded
    "ACCESS_REQUEST_DUE_DAYS": 30,  # UK GDPR: one month to answer a subject access request
    "SENT_EMAIL_RETENTION_DAYS": 90,  # then a sent email keeps no address or content
    "OUTBOX_SWEEP_SECONDS": 30,
    # Requests hand committed outbox rows to a thread that publishes them (recruit.outbox.courier).
    "OUTBOX_COURIER": True,
    # Webhooks: https to public addresses only; loopback (http too) only for tests and dev.
    "WEBHOOK_ALLOW_LOOPBACK": False,
    "WEBHOOK_TIMEOUT_SECONDS": 10.0,
    # Retries: 1 min doubling to at most 6 h, given up when the next try would pass a day.
    "WEBHOOK_RETRY_BASE_SECONDS": 60.0,
    "WEBHOOK_RETRY_MAX_DELAY_SECONDS": 21600.0,
    "WEBHOOK_RETRY_WINDOW_SECONDS": 86400.0,
    "OUTBOX_MAX_ATTEMPTS": 20,  # about 1.5 hours of backoff: rides out an SMTP outage
    "PUBLISH_TIMEOUT": 2.0,
    "TASK_QUEUE": "recruit",  # tests give each run its own queue on a shared Redis
    "LOG_JSON": False,
    "LOG_LEVEL": "INFO",
    "WTF_CSRF_ENABLED": True,
}


def _coerce(raw: str, default: Any) -> Any:
    """Turn an environment string into the type of its default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, dict | list):
        return json.loads(raw)
    return raw


def load_config(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Build settings from defaults, RECRUIT_* variables and the given mapping, in that order."""
    settings = dict(DEFAULTS)
    env = os.environ if environ is None else environ
    for key, value in env.items():
        if key.startswith(ENV_PREFIX):
            name = key[len(ENV_PREFIX) :]
            settings[name] = _coerce(value, DEFAULTS.get(name, ""))
    settings.update(overrides or {})
    return settings


def resolve_paths(settings: dict[str, Any], instance_path: str) -> None:
    """Fill in the embedded defaults that live in the instance folder."""
    instance = Path(instance_path)
    if not settings.get("DATABASE_URL"):
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'recruit.sqlite3'}"
    folders = (
        ("MAIL_DIR", "mail"),
        ("UPLOAD_DIR", "uploads"),
        ("BROKER_DIR", "broker"),
        ("EXPORT_DIR", "exports"),
    )
    for key, folder in folders:
        if not settings.get(key):
            settings[key] = str(instance / folder)
