"""Structured logging: every record carries UTC time, request id, task id, user and client."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _current_task_id() -> str | None:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a dependency
        return None
    task = current_task
    if task is None or getattr(task, "request", None) is None:
        return None
    task_id = getattr(task.request, "id", None)
    return str(task_id) if task_id else None


class ContextFilter(logging.Filter):
    """Attach request id, task id, user id and client address where they exist."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add context attributes; never drops a record."""
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            record.client = request.remote_addr or "-"
            user_id = _user_id()
            if user_id is not None and not hasattr(record, "user_id"):
                record.user_id = user_id
        task_id = _current_task_id()
        if task_id:
            record.task_id = task_id
        return True


def _user_id() -> int | None:
    """The user's id; never reloads a user that a commit has expired (that would cost a query)."""
    from flask import session
    from flask_login import current_user

    try:
        user = g.get("_login_user")
        if user is None:
            # Not looked up yet in this request: look it up, validated, as any view would.
            return int(current_user.id) if current_user.is_authenticated else None
        if getattr(user, "is_anonymous", False):
            return None
        loaded = user.__dict__.get("id")  # an expired ORM instance has dropped its columns
        if isinstance(loaded, int):
            return loaded
        # Validated when it was loaded earlier in this request; the session names the same id.
        marker = str(session.get("_user_id", "")).partition(":")[0]
        return int(marker) if marker.isdecimal() else None
    except Exception:  # no login manager, or the session is still being opened: log without it
        return None


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record and its context as JSON."""
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                body[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Readable lines for development, with the same context appended."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """Timestamps in UTC, whatever the server's zone."""
        return datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        """Render the record followed by key=value context."""
        line = super().format(record)
        extras = " ".join(
            f"{k}={v}"
            for k, v in record.__dict__.items()
            if k not in _STANDARD and not k.startswith("_")
        )
        return f"{line} {extras}".rstrip()


def configure_logging(app: Flask) -> None:
    """Send the app's logs to stderr, as JSON when LOG_JSON is set; idempotent."""
    root = logging.getLogger("recruit")
    root.setLevel(app.config["LOG_LEVEL"])
    handler = next((h for h in root.handlers if getattr(h, "_recruit", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._recruit = True  # type: ignore[attr-defined]
        handler.addFilter(ContextFilter())
        root.addHandler(handler)
    if app.config["LOG_JSON"]:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s"))
