"""Nothing a client sends can forge a field or a line in the text log.

A text log line is `time LEVEL logger: message key=value ...`; log shippers split it into fields
with a logfmt parser. Each test reads the lines the app's own handler wrote and parses them the
same way (`fields`), so a forged `event=login_succeeded` would show up as a field.
"""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recruit.logs import TextFormatter
from tests.conftest import AppFactory
from tests.support.logs import recruit_handler

FORGED = "x event=login_succeeded user_id=1"
# Values a client controls, each trying to add a field, end a value early or start a line.
HOSTILE = [
    FORGED,
    'x" event="login_succeeded',
    'x\\" event=login_succeeded',
    "x\nevent=login_succeeded user_id=1",
    "x\r\n2026-01-01 00:00:00Z INFO recruit.auth.views: login succeeded event=login_succeeded",
    "x\u2028event=login_succeeded",
    "x\x85event=login_succeeded",
    "x\tevent=login_succeeded",
    "=event=login_succeeded",
    "",
]
# logfmt: key=value, where a value is bare (no space or quote) or quoted with backslash escapes.
FIELD_RE = re.compile(r'(?:^|\s)([A-Za-z_][\w.]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)')
LINE_START_RE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


def fields(line: str) -> dict[str, list[str]]:
    """Every key=value pair a logfmt parser finds in `line`, values unquoted."""
    found: dict[str, list[str]] = {}
    for key, value in FIELD_RE.findall(line):
        if value.startswith('"'):
            value = re.sub(r'\\(["\\])', r"\1", value[1:-1])
        found.setdefault(key, []).append(value)
    return found


@pytest.fixture
def backend() -> str:
    """Logging does not depend on the database."""
    return "sqlite"


@pytest.fixture
def text_log(app: Flask) -> Iterator[io.StringIO]:
    """What the app's handler writes, in the text format (the default)."""
    assert not app.config["LOG_JSON"]
    stream = io.StringIO()
    old = recruit_handler().setStream(stream)
    try:
        yield stream
    finally:
        if old is not None:
            recruit_handler().setStream(old)


def records_in(stream: io.StringIO) -> list[str]:
    lines = stream.getvalue().splitlines()
    assert lines, "nothing was logged"
    assert all(LINE_START_RE.match(line) for line in lines), lines  # one line per record
    return lines


@pytest.mark.parametrize("incoming", [FORGED, "a b", "a=b", "abc\t", "é", "a" * 65, "x.y", ""])
def test_a_request_id_of_any_other_shape_is_replaced(client: FlaskClient, incoming: str) -> None:
    response = client.get("/", headers={"X-Request-ID": incoming})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.parametrize("incoming", ["abc-123", "A" * 64, "0f8fad5b-d9cb-469f-a165-70867728950e"])
def test_a_well_formed_request_id_is_kept(client: FlaskClient, incoming: str) -> None:
    assert client.get("/", headers={"X-Request-ID": incoming}).headers["X-Request-ID"] == incoming


def test_a_forged_request_id_adds_no_field_to_the_text_log(
    client: FlaskClient, text_log: io.StringIO
) -> None:
    response = client.get("/applications", headers={"X-Request-ID": FORGED})
    assert response.status_code == 302  # logged as authn_required
    [line] = [line for line in records_in(text_log) if "authn_required" in line]
    found = fields(line)
    assert found["event"] == ["authn_required"]
    assert found["request_id"] == [response.headers["X-Request-ID"]]
    assert "user_id" not in found


@pytest.mark.parametrize("forwarded", HOSTILE[:2])
def test_a_forged_client_address_stays_one_field(app_factory: AppFactory, forwarded: str) -> None:
    # Behind one trusted proxy the client address comes from X-Forwarded-For; a proxy that
    # passes the header on unchecked lets the client choose it.
    app = app_factory(TRUSTED_PROXIES=1)
    stream = io.StringIO()
    old = recruit_handler().setStream(stream)
    try:
        app.test_client().get("/applications", headers={"X-Forwarded-For": forwarded})
    finally:
        if old is not None:
            recruit_handler().setStream(old)
    [line] = [line for line in records_in(stream) if "authn_required" in line]
    found = fields(line)
    assert found["event"] == ["authn_required"] and "user_id" not in found
    assert found["client"] == [escaped(forwarded.strip())]


def render(**attributes: object) -> str:
    record = logging.makeLogRecord(
        {"name": "recruit.test", "levelname": "INFO", "levelno": logging.INFO, **attributes}
    )
    return TextFormatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s").format(record)


@pytest.mark.parametrize("value", HOSTILE)
def test_context_values_are_quoted_so_they_add_no_field_or_line(value: str) -> None:
    line = render(
        msg="request refused",
        args=None,
        event="too_large",
        user_agent=value,
        path=value,
        email=value,
        client=value,
    )
    [only] = line.splitlines()
    found = fields(only)
    assert found["event"] == ["too_large"] and "user_id" not in found
    assert found["user_agent"] == found["path"] == found["email"] == [escaped(value)]


@pytest.mark.parametrize("value", HOSTILE)
def test_message_arguments_are_quoted_so_they_add_no_field_or_line(value: str) -> None:
    line = render(msg="outbox %s will retry in %.0fs: %s", args=(7, 30.4, value), event="x")
    [only] = line.splitlines()
    found = fields(only)
    assert found["event"] == ["x"] and "user_id" not in found
    assert only.split(": ", 1)[1].startswith("outbox 7 will retry in 30s: ")


@pytest.mark.parametrize("value", HOSTILE)
def test_an_exception_with_a_clients_text_stays_on_the_records_line(value: str) -> None:
    try:
        raise ValueError(f"bad input {value}")
    except ValueError:
        line = render(msg="failed", args=None, exc_info=sys.exc_info(), event="bad_input")
    [only] = line.splitlines()
    found = fields(only)
    assert found["event"] == ["bad_input"] and "user_id" not in found
    assert "Traceback" in found["exception"][0]


def escaped(value: str) -> str:
    """What a quoted field holds for `value` once its quotes and backslashes are undone."""
    text = value.replace("=", "\\x3d")
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)
