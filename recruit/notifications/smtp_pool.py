"""Reusing SMTP connections across the emails one worker process sends.

Opening a connection costs a TCP handshake, the greeting and EHLO (and a TLS handshake for
`smtps` or STARTTLS); a worker sending a run of emails pays that once per connection instead of
once per email. Each thread keeps its own connection (an `smtplib.SMTP` is not thread-safe). A
connection is retired after `max_messages` emails or `max_seconds`, after any failure, in a
forked child (the parent's session is not ours to speak on) and at worker shutdown.

Exactness: an email has gone only when its DATA gets a 250. A reused connection found dead
before the email's content was sent (the NOOP, MAIL FROM, RCPT or DATA command fails on a closed
connection, or the server answers 421) cannot have delivered it, so it goes out on a fresh
connection straight away. Trouble after the content was sent is ambiguous and is raised like any
other network failure: the row is tried again later with the same Message-ID, the rule that held
when every email had a connection of its own.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

# A connection idle this long is asked NOOP before it carries an email: servers drop idle
# clients (RFC 5321 lets them after five minutes, some do sooner).
IDLE_CHECK_SECONDS = 5.0
# Saying goodbye never waits long on a server that stopped answering.
QUIT_TIMEOUT = 2.0
SERVICE_CLOSING = 421

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}

Connect = Callable[[], smtplib.SMTP]
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class SMTPSettings:
    """Where and how to reach the SMTP server, parsed from `SMTP_URL`."""

    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None


@functools.lru_cache(maxsize=8)
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


# One TLS context per process: building one loads the CA store, most of an email's cost.
_tls_context: ssl.SSLContext | None = None
_tls_lock = threading.Lock()


def tls_context() -> ssl.SSLContext:
    """This process's one TLS client context, made on first use (loading CAs takes ~40 ms)."""
    global _tls_context
    with _tls_lock:
        if _tls_context is None:
            _tls_context = ssl.create_default_context()
        return _tls_context


def open_smtp(settings: SMTPSettings, timeout: float) -> smtplib.SMTP:
    """A new session with the server, greeted, under TLS as the scheme asks, logged in."""
    smtp: smtplib.SMTP
    if settings.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=timeout, context=tls_context()
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    try:
        if settings.scheme == "smtp+starttls":
            smtp.starttls(context=tls_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.ehlo_or_helo_if_needed()
    except BaseException:
        smtp.close()
        raise
    return smtp


@dataclass(frozen=True)
class Limits:
    """How long one connection may serve: emails and seconds (1 email means no reuse)."""

    max_messages: int = 1
    max_seconds: float = 0.0


@dataclass(eq=False)
class Connection:
    """One open SMTP session and what it has done so far."""

    key: Hashable
    smtp: smtplib.SMTP
    opened: float = field(default_factory=time.monotonic)
    last_used: float = field(default_factory=time.monotonic)
    sent: int = 0
    pid: int = field(default_factory=os.getpid)

    def spent(self, limits: Limits, now: float) -> bool:
        """Whether this connection has carried its share of emails or lived its time."""
        return self.sent >= limits.max_messages or now - self.opened >= limits.max_seconds


class UnsentError(Exception):
    """A reused connection failed before the email's content left: sending afresh is safe."""


def dot_stuffed(content: bytes) -> bytes:
    """The message as DATA carries it: CRLF-terminated, leading dots doubled, then `.`."""
    body = _LEADING_DOT.sub(b"..", content)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


def _is_dead(exc: OSError) -> bool:
    # A closed or reset connection, or the server saying it is closing it. A real refusal
    # (4xx other than 421, 5xx) is an answer about this email and is not retried here.
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == SERVICE_CLOSING
    return True


def transmit(conn: Connection, sender: str, recipients: list[str], content: bytes) -> None:
    """One mail transaction; raises `UnsentError` when a reused session died before the content."""
    smtp, reused = conn.smtp, conn.sent > 0
    try:
        if reused and time.monotonic() - conn.last_used >= IDLE_CHECK_SECONDS:
            code, reply = smtp.noop()
            if code != 250:
                raise smtplib.SMTPResponseException(code, reply)
        code, reply = smtp.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        refused = {}
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, reply)
        if len(refused) == len(recipients):
            raise smtplib.SMTPRecipientsRefused(refused)
        smtp.putcmd("data")
        code, reply = smtp.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
    except OSError as exc:  # smtplib.SMTPException is an OSError too
        if reused and _is_dead(exc):
            raise UnsentError(str(exc)) from exc
        raise
    # From here on the server may accept the email even if its answer never reaches us.
    smtp.send(dot_stuffed(content))
    code, reply = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


class SMTPConnections:
    """Each thread's open SMTP connection, reused within `Limits`."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[Connection] = set()
        self.opened = 0  # connections this process has opened: for tests and the bench

    def send(
        self,
        key: Hashable,
        connect: Connect,
        sender: str,
        recipients: list[str],
        content: bytes,
        limits: Limits,
    ) -> None:
        """Send `content` on this thread's connection to `key`, opening one with `connect` if
        there is none fit for use; raise what smtplib or the network raised."""
        conn = self._held(key, limits)
        if conn is not None:
            try:
                return self._send_on(conn, sender, recipients, content, limits)
            except UnsentError:
                pass  # dead before the content left: the email goes on a fresh connection
        # A fresh connection never raises `UnsentError` (`transmit` raises it only on reuse).
        self._send_on(self._connect(key, connect), sender, recipients, content, limits)

    def _send_on(
        self, conn: Connection, sender: str, recipients: list[str], content: bytes, limits: Limits
    ) -> None:
        try:
            transmit(conn, sender, recipients, content)
        except BaseException:
            self._retire(conn, polite=False)  # its state is unknown: never reuse it
            raise
        conn.sent += 1
        conn.last_used = time.monotonic()
        if conn.spent(limits, conn.last_used):
            self._retire(conn, polite=True)

    def _held(self, key: Hashable, limits: Limits) -> Connection | None:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            return None
        if conn.pid != os.getpid():  # inherited across fork() from the parent
            self._retire(conn, polite=False)
            return None
        if conn.key != key or conn.spent(limits, time.monotonic()):
            self._retire(conn, polite=True)
            return None
        return conn

    def _connect(self, key: Hashable, connect: Connect) -> Connection:
        conn = Connection(key, connect())
        with self._lock:
            self._open.add(conn)
            self.opened += 1
        self._local.conn = conn
        return conn

    def _retire(self, conn: Connection, polite: bool) -> None:
        with self._lock:
            self._open.discard(conn)
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        close(conn, polite)

    def close_all(self) -> None:
        """Say goodbye on every connection this process holds: at worker shutdown."""
        with self._lock:
            held, self._open = self._open, set()
        self._local = threading.local()
        for conn in held:
            close(conn, polite=True)

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's connections without a word on them."""
        held, self._open = self._open, set()
        self._lock = threading.Lock()
        self._local = threading.local()
        for conn in held:
            close(conn, polite=False)


def close(conn: Connection, polite: bool) -> None:
    """Close the session: QUIT first when `polite` and it is this process's own."""
    smtp = conn.smtp
    try:
        if polite and conn.pid == os.getpid() and smtp.sock is not None:
            smtp.sock.settimeout(QUIT_TIMEOUT)
            smtp.quit()
    except OSError:
        pass  # the server went first; closing our end is all that is left
    finally:
        smtp.close()  # in a forked child this closes only the child's copy of the socket


CONNECTIONS = SMTPConnections()
os.register_at_fork(after_in_child=CONNECTIONS.forget_after_fork)
atexit.register(CONNECTIONS.close_all)
