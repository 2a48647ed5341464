"""Capturing log output in tests: every record, as the app's own formatters would render it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from recruit.logs import JsonFormatter, TextFormatter

# Loggers that get DEBUG while capturing; anything else reaches the root handler as usual.
# SQLAlchemy keeps the WARNING level it sets itself: its INFO level is SQL echo, a debugging aid
# that prints statement parameters (outbox payloads hold live links) and is never on in service.
NAMED = ("recruit", "werkzeug", "worker", "celery", "kombu", "flask_wtf")


def recruit_handler() -> logging.StreamHandler[Any]:
    """The handler `configure_logging` put on the `recruit` logger."""
    for handler in logging.getLogger("recruit").handlers:
        if getattr(handler, "_recruit", False) and isinstance(handler, logging.StreamHandler):
            return handler
    raise AssertionError("configure_logging has not run")


def render(record: logging.LogRecord) -> str:
    """Everything a record carries: message, args, extras, exception, and both app formats."""
    parts = [repr(value) for value in record.__dict__.values()]
    try:
        parts.append(record.getMessage())
    except (TypeError, ValueError):
        parts.append(repr(record.msg))
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    parts.append(JsonFormatter().format(record))
    parts.append(TextFormatter("%(asctime)s %(message)s").format(record))
    return "\n".join(parts)


class Capture(logging.Handler):
    """Keeps every record it sees, rendered."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Store the record and its rendering."""
        self.records.append(record)
        self.texts.append(render(record))

    def events(self) -> list[str]:
        """The `event` extra of each record that has one, in order."""
        return [str(getattr(r, "event", "")) for r in self.records if hasattr(r, "event")]


def _non_propagating() -> list[logging.Logger]:
    found = logging.root.manager.loggerDict.values()
    return [lg for lg in found if isinstance(lg, logging.Logger) and not lg.propagate]


@contextmanager
def capture_all_logs() -> Iterator[tuple[Capture, io.StringIO]]:
    """Every record at DEBUG from every logger, plus what the app's own handler writes."""
    capture, stream = Capture(), io.StringIO()
    loggers = [logging.getLogger(name) for name in NAMED] + [logging.root]
    levels = [lg.level for lg in loggers]
    extra = _non_propagating()
    handler = recruit_handler()
    old_stream = handler.setStream(stream)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    for lg in [logging.root, *extra]:
        lg.addHandler(capture)
    try:
        yield capture, stream
    finally:
        for lg in [logging.root, *extra]:
            lg.removeHandler(capture)
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
        if old_stream is not None:
            handler.setStream(old_stream)


class AppLog:
    """What the app's own handler has written, as parsed JSON lines."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def lines(self) -> list[dict[str, Any]]:
        """Every line so far."""
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]

    def event(self, name: str) -> list[dict[str, Any]]:
        """The lines recording security event `name`."""
        return [line for line in self.lines() if line.get("event") == name]


@contextmanager
def app_log() -> Iterator[AppLog]:
    """Read the app handler's output (build the app with LOG_JSON=True)."""
    stream = io.StringIO()
    handler = recruit_handler()
    old_stream = handler.setStream(stream)
    try:
        yield AppLog(stream)
    finally:
        if old_stream is not None:
            handler.setStream(old_stream)
