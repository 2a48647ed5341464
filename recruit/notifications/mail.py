"""Turning an outbox row into an email and handing it to SMTP or to the mail folder.

Only workers call this module. The row names an email of `recruit.notifications.catalog` and
carries its context; the subject is the catalog's pattern for that email, filled from the
context. Failures are sorted into two kinds so the task knows what to do: `TransientMailError`
(try again later) and `PermanentMailError` (never try again).
"""

from __future__ import annotations

import functools
import os
import re
import secrets
import smtplib
import tempfile
from collections.abc import Mapping
from email import policy, quoprimime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from jinja2 import TemplateError

from recruit.models import OutboxMessage, utcnow
from recruit.notifications.catalog import EMAILS
from recruit.notifications.smtp_pool import (
    CONNECTIONS,
    Limits,
    SMTPSettings,
    open_smtp,
    parse_smtp_url,
)


class MailPolicy(EmailPolicy):
    """`EmailPolicy` that parses each distinct raw header text once per process: writing an
    email out reads each MIME header several times. Parsed headers are immutable."""

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        """The parsed header for `value`, as `EmailPolicy` makes it, made once per text."""
        if hasattr(value, "name"):
            return value
        return _parsed_header(self.header_factory, name, value)


# Folding line breaks, which `EmailPolicy.header_fetch_parse` drops as it reads a header.
_LINE_BREAK = re.compile(r"[\r\n]")


@functools.lru_cache(maxsize=1024)
def _parsed_header(factory: Any, name: str, value: str) -> Any:
    return factory(name, _LINE_BREAK.sub("", value))


# Python 3.11's SMTP policy drops a display name's quotes when it folds a long address header,
# so `Bob, eve@evil.example, and a long name ...` became three recipients to a mail client.
# Address headers are therefore written here, already folded, and stored raw; this policy
# never refolds a raw header. Otherwise it is `policy.SMTP`.
MAIL_POLICY = MailPolicy(linesep="\r\n", refold_source="none")
HEADER_WIDTH = 78
LINE_WIDTH = 78  # body lines, as MAIL_POLICY folds them


class MailError(Exception):
    """Sending an email failed."""


class TransientMailError(MailError):
    """The email may go through if we try again later (4xx reply, network trouble)."""


class PermanentMailError(MailError):
    """Trying again will not help (5xx reply, bad address, broken template)."""


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
    groups = _client_parse(field, text).groups
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


@functools.lru_cache(maxsize=8)
def from_header(configured: str) -> str:
    """The From header text for `MAIL_FROM`: the same on every email, so worked out once."""
    return address_header("From", sender_address(configured))


@functools.lru_cache(maxsize=64)
def _client_parse(field: str, text: str) -> Any:
    # Shared by the check that an address header reads back right and by `envelope`, which
    # parses the same text again a moment later: parsed headers are immutable.
    return policy.default.header_factory(field, text)


def _header_addresses(field: str, raw: str) -> tuple[Address, ...]:
    # As `message[field]` reads the stored header, but through the cache `_client_parse` shares.
    return tuple(_client_parse(field, _LINE_BREAK.sub("", raw)).addresses)


def envelope(message: EmailMessage) -> tuple[str, str]:
    """The sender and recipient: exactly the one address in each of From and To, as a mail
    client reads the header that is sent, never a re-parse of anything else."""
    raw = {name.lower(): str(value) for name, value in message.raw_items()}
    [sender] = _header_addresses("From", raw["from"])
    [recipient] = _header_addresses("To", raw["to"])
    return sender.addr_spec, recipient.addr_spec


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
    message.set_raw("From", from_header(config["MAIL_FROM"]))
    to = recipient_address(row.recipient, payload.get("full_name"))
    message.set_raw("To", address_header("To", to))
    message["Subject"] = subject
    # Our own ASCII text in each header's exact form, so stored raw (parsing costs time).
    message.set_raw("Date", format_datetime(utcnow()))
    message.set_raw("Message-ID", row.message_id)
    # RFC 3834: tells out-of-office responders not to reply to a transactional email.
    message.set_raw("Auto-Submitted", "auto-generated")
    unsubscribe = payload.get("unsubscribe_url")
    if unsubscribe:
        # RFC 8058 one-click unsubscribe (job alerts): the mail client POSTs to the link.
        message.set_raw("List-Unsubscribe", f"<{unsubscribe_header_url(str(unsubscribe))}>")
        message.set_raw("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
    # What `set_content` and `add_alternative` make, put together directly: they re-parse
    # every MIME header they touch, which cost more than everything else in the email.
    parts = [text_part(text, "plain"), text_part(html, "html")]
    message.set_raw("MIME-Version", "1.0")
    boundary = mime_boundary([str(part.get_payload()) for part in parts])
    message.set_raw("Content-Type", f'multipart/alternative; boundary="{boundary}"')
    for part in parts:
        message.attach(part)
    return message


def unsubscribe_header_url(url: str) -> str:
    """`url` as the List-Unsubscribe header may carry it: one printable ASCII line, no `<>`."""
    if not url.isascii() or not url.isprintable() or any(c in url for c in "<> ,"):
        raise PermanentMailError("the unsubscribe link cannot go in a header")
    return url


def text_part(body: str, subtype: str) -> EmailMessage:
    """A UTF-8 `text/<subtype>` part with the transfer encoding `set_content` would choose."""
    lines = body.encode("utf-8").splitlines()
    joined = b"\n".join(lines) + b"\n"
    if max((len(line) for line in lines), default=0) <= LINE_WIDTH:
        cte = "7bit" if joined.isascii() else "8bit"
        payload = joined.decode("ascii", "surrogateescape")  # how `email` holds 8-bit text
    else:
        cte = "quoted-printable"
        payload = quoprimime.body_encode(joined.decode("latin-1"), LINE_WIDTH)
    part = EmailMessage(policy=MAIL_POLICY)
    part.set_raw("Content-Type", f'text/{subtype}; charset="utf-8"')
    part.set_raw("Content-Transfer-Encoding", cte)
    part.set_payload(payload)
    return part


def mime_boundary(payloads: list[str]) -> str:
    """A multipart boundary that appears in none of the parts."""
    while True:
        boundary = f"==============={secrets.token_hex(12)}=="
        if not any(boundary in payload for payload in payloads):
            return boundary


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


def send_smtp(
    message: EmailMessage, settings: SMTPSettings, timeout: float, limits: Limits | None = None
) -> None:
    """Deliver through an SMTP server on this thread's reused connection (`smtp_pool`),
    raising TransientMailError or PermanentMailError."""
    sender, recipient = envelope(message)
    try:
        CONNECTIONS.send(
            (settings, timeout),
            lambda: open_smtp(settings, timeout),
            sender,
            [recipient],
            message.as_bytes(),
            limits or Limits(),
        )
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
        limits = Limits(
            max_messages=int(config["SMTP_CONNECTION_MAX_MESSAGES"]),
            max_seconds=float(config["SMTP_CONNECTION_MAX_SECONDS"]),
        )
        send_smtp(message, parse_smtp_url(url), float(config["SMTP_TIMEOUT"]), limits)
    else:
        write_eml(message, Path(config["MAIL_DIR"]), str(outbox_id))
