"""Address headers as a mail client reads them: a name can never add a recipient.

Every check parses the bytes as sent, the way a client would: the modern parser
(`BytesParser(policy=email.policy.default)`) and the legacy one that hands the raw, folded
header to `email.utils.getaddresses`, and, for SMTP, what the real aiosmtpd server received.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.parser import BytesParser
from email.utils import getaddresses

import pytest
from flask import Flask

from recruit.notifications.mail import PermanentMailError, build_message, send_message
from tests.support.mail import row_for
from tests.support.smtp import smtp_server

RECIPIENT = "amara@example.org"
PENTEST_NAME = "Bob, attacker@evil.example, and a long name that goes on and on past the fold"
HOSTILE_NAMES = [
    PENTEST_NAME,
    "Bob, attacker@evil.example",
    "Zoë, attacker@evil.example, and a long name that goes on and on past the fold",
    'Eve" <attacker@evil.example>, "Bob',
    'Bob \\" <attacker@evil.example>, and on and on past the fold, much further than that',
    "Friends: attacker@evil.example, other@evil.example; and on and on past the fold",
    "(comment) attacker@evil.example (more) " + "x" * 90,
    "=?utf-8?q?attacker=40evil.example=2C?= and a name that goes on past the fold, far",
    "=?utf-8?q?a=40evil.example=2C?= Bob",
    "a" * 300,
    "Ünïcödé " * 20,
    "Amara Okafor",
    "",
]


@pytest.fixture
def backend() -> str:
    """Building emails does not touch the database: one backend is enough."""
    return "sqlite"


def without_spaces(text: str) -> str:
    # Python's parser keeps the space between adjacent encoded words; RFC 2047 drops it.
    return "".join(text.split())


def read_as_a_client(raw: bytes, field: str) -> list[tuple[str, str]]:
    """The (name, address) pairs `field` holds, parsed from the bytes as sent, two ways."""
    modern = BytesParser(policy=policy.default).parsebytes(raw)
    pairs = getaddresses([str(value) for value in modern.get_all(field, [])])
    legacy = message_from_bytes(raw)  # compat32: the raw folded header text, undecoded
    assert [a for _, a in getaddresses(legacy.get_all(field, []))] == [a for _, a in pairs]
    assert [a.addr_spec for a in modern[field].addresses] == [a for _, a in pairs]
    return pairs


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_display_name_never_adds_a_recipient(app: Flask, name: str) -> None:
    with app.app_context():
        raw = build_message(row_for("verify_email", full_name=name)).as_bytes()
    [(shown, address)] = read_as_a_client(raw, "To")
    assert address == RECIPIENT
    assert without_spaces(shown) == without_spaces(name)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_the_long_name_goes_to_one_recipient_through_a_real_smtp_server(app: Flask) -> None:
    with smtp_server() as server, app.app_context():
        app.config["SMTP_URL"] = server.url
        send_message(build_message(row_for("verify_email", full_name=PENTEST_NAME)), 5)
        received = server.wait_for()
    assert received.rcpt_tos == [RECIPIENT]
    [to] = received.message["To"].addresses
    assert to.addr_spec == RECIPIENT
    assert without_spaces(to.display_name) == without_spaces(PENTEST_NAME)
    assert [a.addr_spec for a in received.message["From"].addresses] == [received.mail_from]


def test_a_long_sender_name_with_commas_stays_one_sender(app: Flask) -> None:
    name = "Midlands Engine Recruitment, Talent Team, and a name that runs past the fold"
    app.config["MAIL_FROM"] = f'"{name}" <recruitment@midlandsengine.example>'
    with app.app_context():
        raw = build_message(row_for("verify_email")).as_bytes()
    [(shown, address)] = read_as_a_client(raw, "From")
    assert address == "recruitment@midlandsengine.example"
    assert without_spaces(shown) == without_spaces(name)


@pytest.mark.parametrize(
    "sender", ["a@example.org, b@example.org", "no address here", "Team: a@example.org;"]
)
def test_a_sender_that_is_not_one_address_is_refused(app: Flask, sender: str) -> None:
    app.config["MAIL_FROM"] = sender
    with app.app_context(), pytest.raises(PermanentMailError):
        build_message(row_for("verify_email"))


def test_a_recipient_address_outside_ascii_is_refused_permanently(app: Flask) -> None:
    row = row_for("verify_email")
    row.recipient = "zoe@exämple.org"
    with app.app_context(), pytest.raises(PermanentMailError):
        build_message(row)
