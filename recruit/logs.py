"""Structured logging: every record carries UTC time, request id, task id, user and client."""

from __future__ import annotations

import copy
import json
import logging
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request

from recruit.parsing import ascii_int

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


def current_request_id() -> str:
    """The id of the request being served, or '' outside a request (tasks pass it on)."""
    return str(g.get("request_id", "")) if has_request_context() else ""


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
        return ascii_int(marker)
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


# Characters a bare field value may hold: no space, `=`, quote, backslash or control character.
_BARE = re.compile(r"[A-Za-z0-9_.:/@+\-,;()\[\]{}'#%*!?~^&|<>$]+")


def printable(text: str) -> str:
    """`text` with every unprintable character (line breaks, controls, bidi marks) escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    return ch.encode("unicode_escape").decode("ascii")  # \n, \x00, \u2028, \U0010ffff


def field_value(value: object) -> str:
    """A value for a `key=value` field: bare when plainly one token, else quoted and escaped.

    Spaces, quotes and line breaks from a client (a header, an email, an exception's text) can
    then neither end the field early nor start a new line, and `=` is written `\\x3d`, so no
    part of the text looks like a `key=value` field even to a grep or a naive parser.
    """
    text = str(value)
    if text and _BARE.fullmatch(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("=", "\\x3d")
    return f'"{printable(escaped)}"'


class TextFormatter(logging.Formatter):
    """Readable lines: the message then key=value context, exactly one line per record.

    The message's arguments and every context value (the traceback too) are quoted and escaped
    when they need it, so text from a client can neither add a field nor start a line.
    """

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """Timestamps in UTC, whatever the server's zone."""
        return datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        """Render the record on one line, followed by key=value context and any traceback."""
        # A copy: other handlers (and the JSON formatter) must see the record as it was made.
        safe = copy.copy(record)
        safe.msg, safe.args = printable(_message(record)), None
        safe.exc_info, safe.exc_text, safe.stack_info = None, None, None
        extras = " ".join(
            f"{k}={field_value(v)}"
            for k, v in record.__dict__.items()
            if k not in _STANDARD and not k.startswith("_")
        )
        details = " ".join(f"{k}={field_value(v)}" for k, v in self._details(record))
        return " ".join(part for part in (super().format(safe), extras, details) if part)

    def _details(self, record: logging.LogRecord) -> list[tuple[str, str]]:
        # The traceback is a quoted field too: an exception's text may hold a client's input,
        # and a line of its own would be parsed as a record, with any `key=value` in it.
        details = []
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            details.append(("exception", record.exc_text))
        if record.stack_info:
            details.append(("stack", self.formatStack(record.stack_info)))
        return details


def _message(record: logging.LogRecord) -> str:
    """The message with each argument quoted where it needs to be; never raises."""
    args = record.args
    try:
        if isinstance(args, Mapping):
            return str(record.msg) % {k: _argument(v) for k, v in args.items()}
        if args:
            return str(record.msg) % tuple(_argument(v) for v in args)
        return str(record.msg)
    except (TypeError, ValueError, KeyError):
        return f"{record.msg!r} {args!r}"


def _argument(value: object) -> object:
    # Numbers stay numbers for `%d` and `%.0f`; anything else may hold text from a client.
    return value if isinstance(value, int | float | None) else field_value(value)


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
