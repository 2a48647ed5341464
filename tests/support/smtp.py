"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping every message it accepts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

from aiosmtpd.controller import Controller

from testkit.frontend import free_port

__all__ = ["Received", "RecordingHandler", "RefusesOnce", "SMTPServer", "free_port", "smtp_server"]


@dataclass(frozen=True)
class Received:
    """One accepted message: the envelope and the parsed email."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        """The decoded plain-text body."""
        part = self.message.get_body(("plain",))
        assert part is not None, "message has no plain-text part"
        return str(cast(EmailMessage, part).get_content())

    @property
    def html(self) -> str:
        """The decoded HTML body."""
        part = self.message.get_body(("html",))
        assert part is not None, "message has no HTML part"
        return str(cast(EmailMessage, part).get_content())


class RecordingHandler:
    """An aiosmtpd handler that stores messages, or answers with a chosen error reply."""

    def __init__(self, rcpt_reply: str | None = None, data_reply: str | None = None) -> None:
        self.rcpt_reply = rcpt_reply  # e.g. "550 5.1.1 No such user"
        self.data_reply = data_reply  # e.g. "451 4.3.0 Try again later"
        self.received: list[Received] = []
        self._changed = threading.Condition()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept the recipient unless told to refuse it."""
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Keep the message unless told to refuse it."""
        if self.data_reply:
            return self.data_reply
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        item = Received(envelope.mail_from, list(envelope.rcpt_tos), parsed)
        with self._changed:
            self.received.append(item)
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(
        self, match: Callable[[Received], bool] = lambda _: True, timeout: float = 30.0
    ) -> Received:
        """The first stored message that `match` accepts, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for item in self.received:
                    if match(item):
                        return item
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching email within {timeout}s")
                self._changed.wait(remaining)


class RefusesOnce(RecordingHandler):
    """Answers 451 to the first message's DATA, then accepts: a server having a bad moment."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Refuse once, then store."""
        if self.refused == 0:
            self.refused += 1
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


@dataclass
class SMTPServer:
    """A running server: where to reach it and what it received."""

    host: str
    port: int
    handler: RecordingHandler

    @property
    def url(self) -> str:
        """The `SMTP_URL` that points the app at this server."""
        return f"smtp://{self.host}:{self.port}"

    @property
    def received(self) -> list[Received]:
        """Messages accepted so far."""
        return list(self.handler.received)

    def wait_for(
        self, match: Callable[[Received], bool] = lambda _: True, timeout: float = 30.0
    ) -> Received:
        """The first message `match` accepts, waiting up to `timeout` seconds."""
        return self.handler.wait_for(match, timeout)


@contextmanager
def smtp_server(handler: RecordingHandler | None = None) -> Iterator[SMTPServer]:
    """Run an SMTP server on a free local port for the duration of the block."""
    handler = handler or RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield SMTPServer("127.0.0.1", port, handler)
    finally:
        controller.stop()
