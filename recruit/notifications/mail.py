"""Turning an outbox row into an email and handing it to SMTP or to the mail folder.

Only workers call this module. The row names an email of `recruit.notifications.catalog` and
carries its context; the subject is the catalog's pattern for that email, filled from the
context. Failures are sorted into two kinds so the task knows what to do: `TransientMailError`
(try again later) and `PermanentMailError` (never try again).
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from jinja2 import TemplateError

from recruit.models import OutboxMessage, utcnow
from recruit.notifications.catalog import EMAILS

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}

# Python 3.11's SMTP policy drops a display name's quotes when it folds a long address header,
# so `Bob, eve@evil.example, and a long name ...` became three recipients to a mail client.
# Address headers are therefore written here, already folded, and stored raw; this policy
# never refolds a raw header.
MAIL_POLICY = policy.SMTP.clone(refold_source="none")
HEADER_WIDTH = 78


class MailError(Exception):
    """Sending an email failed."""


class TransientMailError(MailError):
    """The email may go through if we try again later (4xx reply, network trouble)."""


class PermanentMailError(MailError):
    """Trying again will not help (5xx reply, bad address, broken template)."""


@dataclass(frozen=True)
class SMTPSettings:
    """Where and how to reach the SMTP server, parsed from `SMTP_URL`."""

    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None


def one_line(value: object) -> str:
    """Header-safe text: line breaks become spaces so no value can start a new header."""
    return " ".join(str(value).replace("\r", " ").replace("\n", " ").split())


def subject_for(template: str, payload: Mapping[str, Any]) -> str:
    """The subject line for `template`, from its pattern in the catalog, filled from `payload`."""
    try:
        pattern = EMAILS[template].subject
        return one_line(pattern.format(**{k: one_line(v) for k, v in payload.items()}))
    except (KeyError, IndexError, ValueError) as exc:
        raise PermanentMailError(f"cannot build subject for {template!r}: {exc!r}") from exc


def recipient_address(recipient: str, display_name: object) -> Address:
    """The To address, refusing anything that is not a single plain address."""
    if one_line(recipient) != recipient.strip() or parseaddr(recipient)[1] != recipient.strip():
        raise PermanentMailError("recipient is not a single email address")
    try:
        return Address(display_name=one_line(display_name or ""), addr_spec=recipient.strip())
    except (ValueError, IndexError) as exc:
        raise PermanentMailError(f"recipient is not a valid email address: {exc}") from exc


def sender_address(configured: str) -> Address:
    """The From address from `MAIL_FROM`, which must be exactly one address."""
    found = single_address("From", one_line(configured))
    if found is None:
        raise PermanentMailError("MAIL_FROM is not a single email address")
    return found


def single_address(field: str, text: str) -> Address | None:
    """The one address `text` names as a mail client parses it; None for none, more or a group."""
    groups = policy.default.header_factory(field, text).groups
    if len(groups) != 1 or groups[0].display_name is not None or len(groups[0].addresses) != 1:
        return None
    found: Address = groups[0].addresses[0]
    return found if found.username and found.domain else None


def address_header(field: str, address: Address) -> str:
    """`address` as folded header text that any mail client reads back as that one address."""
    if not address.addr_spec.isascii():
        raise PermanentMailError(f"{field} address is not ASCII (SMTPUTF8 is not used)")
    plain = str(address)  # the display name quoted and escaped where it needs to be
    fits = len(field) + 2 + len(plain) <= HEADER_WIDTH
    if plain.isascii() and plain.isprintable() and fits and "=?" not in plain:
        text = plain
    else:
        # Encoded words fold between words without any quoting to lose (RFC 2047), and their
        # text is never parsed for commas or `@`. A name that looks like one is encoded too.
        words = Header(address.display_name, "utf-8", header_name=field).encode(linesep="\n")
        text = f"{words}\n <{address.addr_spec}>"
    if not _reads_back_as(field, text, address):
        raise PermanentMailError(f"cannot write the {field} address unambiguously")
    return text


def _reads_back_as(field: str, text: str, address: Address) -> bool:
    # Parsed again as a mail client would: one address, the same one, the same name (parsers
    # differ on the space between adjacent encoded words, so spaces are left out of the check).
    found = single_address(field, text.replace("\n", ""))
    return (
        found is not None
        and found.addr_spec == address.addr_spec
        and "".join(found.display_name.split()) == "".join(address.display_name.split())
    )


def render_bodies(template: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """The plain-text and HTML bodies of `template` rendered with `context`."""
    try:
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
    except TemplateError as exc:
        raise PermanentMailError(f"cannot render email {template!r}: {exc!r}") from exc
    return text, html


def build_message(row: OutboxMessage) -> EmailMessage:
    """The complete email for an outbox row, using the app's templates and settings."""
    config = current_app.config
    payload = dict(row.payload or {})
    subject = subject_for(row.template, payload)
    context = {**payload, "base_url": config["BASE_URL"].rstrip("/"), "subject": subject}
    text, html = render_bodies(row.template, context)
    message = EmailMessage(policy=MAIL_POLICY)
    message.set_raw("From", address_header("From", sender_address(config["MAIL_FROM"])))
    to = recipient_address(row.recipient, payload.get("full_name"))
    message.set_raw("To", address_header("To", to))
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = row.message_id
    # RFC 3834: tells out-of-office responders not to reply to a transactional email.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def parse_smtp_url(url: str) -> SMTPSettings:
    """Read `smtp://`, `smtp+starttls://` or `smtps://[user:pass@]host[:port]`."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://host:port, smtp+starttls:// or smtps://")
    return SMTPSettings(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or SCHEMES[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def classify(exc: Exception) -> MailError:
    """Sort an smtplib or network failure into transient or permanent."""
    code: int | None = None
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [reply[0] for reply in exc.recipients.values()]
        code = min(codes) if codes else None  # one 4xx among them means "try later"
    elif isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        return PermanentMailError(f"SMTP server lacks a required feature: {exc}")
    text = f"{exc.__class__.__name__}: {exc}"
    if code is not None and 500 <= code < 600:
        return PermanentMailError(text)
    # 4xx replies, dropped connections, refusals, timeouts and TLS trouble may all clear up.
    return TransientMailError(text)


def send_smtp(message: EmailMessage, settings: SMTPSettings, timeout: float) -> None:
    """Deliver through an SMTP server, raising TransientMailError or PermanentMailError."""
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if settings.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with smtp:
            if settings.scheme == "smtp+starttls":
                smtp.starttls(context=context)
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            # The envelope names exactly the one address in each header, never a re-parse.
            [sender], [recipient] = message["From"].addresses, message["To"].addresses
            smtp.send_message(message, sender.addr_spec, [recipient.addr_spec])
    except OSError as exc:  # smtplib.SMTPException is an OSError too
        raise classify(exc) from exc


def write_eml(message: EmailMessage, folder: Path, name: str) -> Path:
    """Write the email to `<folder>/<name>.eml` atomically, so readers never see half a file."""
    target = folder / f"{name}.eml"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(message.as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise TransientMailError(f"cannot write {target}: {exc}") from exc
    return target


def send_message(message: EmailMessage, outbox_id: int) -> None:
    """Send by SMTP when `SMTP_URL` is set, else write `<MAIL_DIR>/<outbox_id>.eml`."""
    config = current_app.config
    url = config.get("SMTP_URL")
    if url:
        send_smtp(message, parse_smtp_url(url), float(config["SMTP_TIMEOUT"]))
    else:
        write_eml(message, Path(config["MAIL_DIR"]), str(outbox_id))
