"""Building emails from outbox rows and sending them by SMTP or to the mail folder."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask import Flask

from recruit.notifications.catalog import EMAIL_TEMPLATES
from recruit.notifications.mail import (
    PermanentMailError,
    TransientMailError,
    build_message,
    parse_smtp_url,
    send_message,
)
from tests.support.mail import LINK, PAYLOADS, row_for
from tests.support.smtp import RecordingHandler, free_port, smtp_server


@pytest.fixture
def backend() -> str:
    """Rendering and transports do not touch the database: one backend is enough."""
    return "sqlite"


def test_every_template_has_a_sample() -> None:
    assert set(PAYLOADS) == EMAIL_TEMPLATES


# The erasure confirmation links to nothing: the account it could lead to is gone.
WITHOUT_A_LINK = frozenset({"account_erased"})


@pytest.mark.parametrize("template", sorted(EMAIL_TEMPLATES))
def test_each_template_renders_plain_and_html_parts(app: Flask, template: str) -> None:
    row = row_for(template)
    with app.app_context():
        message = build_message(row)
    assert message["Subject"].strip()
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["To"].addresses[0].addr_spec == "amara@example.org"
    assert message["Message-ID"] == row.message_id
    assert message["Date"]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    if template in WITHOUT_A_LINK:
        assert "/some/link/" not in text
    else:
        assert LINK in text
        assert f'href="{LINK}"' in html
    assert "{{" not in text and "{%" not in html
    assert '<html lang="en-GB">' in html and "<h1" in html
    assert "<img" not in html
    assert "Midlands Engine Recruitment" in text


def test_subjects_carry_the_vacancy(app: Flask) -> None:
    with app.app_context():
        message = build_message(row_for("new_application"))
    assert message["Subject"] == "New application for Director of Connectivity (ME-0042)"


def test_user_text_is_escaped_in_html_but_not_in_plain_text(app: Flask) -> None:
    name = "Ada <script>alert(1)</script> & Co"
    with app.app_context():
        message = build_message(row_for("verify_email", full_name=name))
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert name in text


def test_line_breaks_cannot_add_headers(app: Flask) -> None:
    row = row_for(
        "status_changed",
        full_name="Eve\r\nBcc: victim@example.org",
        vacancy_title="Director\nBcc: other@example.org",
    )
    with app.app_context():
        raw = build_message(row).as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert "\n" not in str(parsed["Subject"]) and "\n" not in str(parsed["To"])
    assert parsed["To"].addresses[0].addr_spec == "amara@example.org"


@pytest.mark.parametrize(
    "recipient", ["amara@example.org\r\nBcc: victim@example.org", "a@example.org, b@example.org"]
)
def test_a_recipient_that_is_not_one_address_is_refused(app: Flask, recipient: str) -> None:
    row = row_for("verify_email")
    row.recipient = recipient
    with app.app_context(), pytest.raises(PermanentMailError):
        build_message(row)


def test_a_payload_missing_a_subject_value_fails_permanently(app: Flask) -> None:
    row = row_for("new_application")
    del row.payload["vacancy_title"]
    with app.app_context(), pytest.raises(PermanentMailError):
        build_message(row)


def test_without_smtp_the_email_is_written_to_the_mail_folder(app: Flask) -> None:
    row = row_for("password_reset", outbox_id=31)
    with app.app_context():
        send_message(build_message(row), 31)
    folder = Path(app.config["MAIL_DIR"])
    assert [p.name for p in folder.iterdir()] == ["31.eml"]  # no temporary file left behind
    parsed = message_from_bytes((folder / "31.eml").read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == row.message_id
    assert parsed["Subject"] == "Reset your password"


def test_an_unwritable_mail_folder_is_a_transient_failure(app: Flask, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the mail folder should be")
    app.config["MAIL_DIR"] = str(blocker / "mail")
    with app.app_context():
        message = build_message(row_for("password_changed"))
        with pytest.raises(TransientMailError):
            send_message(message, 1)


def test_smtp_delivers_to_the_server(app: Flask) -> None:
    row = row_for("verify_email", outbox_id=12)
    with smtp_server() as server, app.app_context():
        app.config["SMTP_URL"] = server.url
        send_message(build_message(row), 12)
        received = server.wait_for()
    assert received.rcpt_tos == ["amara@example.org"]
    assert received.message["Message-ID"] == row.message_id
    assert LINK in received.text and LINK in received.html
    assert not list(Path(app.config["MAIL_DIR"]).iterdir())


def test_a_4xx_reply_is_transient(app: Flask) -> None:
    handler = RecordingHandler(data_reply="451 4.3.0 Mailbox temporarily unavailable")
    with smtp_server(handler) as server, app.app_context():
        app.config["SMTP_URL"] = server.url
        with pytest.raises(TransientMailError, match="451"):
            send_message(build_message(row_for("verify_email")), 1)


def test_a_5xx_recipient_refusal_is_permanent(app: Flask) -> None:
    handler = RecordingHandler(rcpt_reply="550 5.1.1 No such user here")
    with smtp_server(handler) as server, app.app_context():
        app.config["SMTP_URL"] = server.url
        with pytest.raises(PermanentMailError, match="550"):
            send_message(build_message(row_for("verify_email")), 1)


def test_an_unreachable_server_is_transient(app: Flask) -> None:
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    app.config["SMTP_TIMEOUT"] = 2.0
    with app.app_context(), pytest.raises(TransientMailError):
        send_message(build_message(row_for("verify_email")), 1)


def test_smtp_urls_are_parsed() -> None:
    plain = parse_smtp_url("smtp://mail.example.org:2525")
    assert (plain.scheme, plain.host, plain.port, plain.username) == (
        "smtp",
        "mail.example.org",
        2525,
        None,
    )
    tls = parse_smtp_url("smtp+starttls://user%40ex:p%3Ass@mail.example.org")
    assert (tls.port, tls.username, tls.password) == (587, "user@ex", "p:ss")
    assert parse_smtp_url("smtps://mail.example.org").port == 465
    with pytest.raises(ValueError, match="SMTP_URL"):
        parse_smtp_url("http://mail.example.org")
