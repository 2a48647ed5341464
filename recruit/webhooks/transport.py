"""Posting one signed body to an endpoint: to the vetted address, no redirects, a time limit."""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
from dataclasses import dataclass

from recruit.webhooks.addresses import Target

MAX_RESPONSE_BYTES = 64 * 1024  # read and dropped: only the status code is kept
# A whole attempt (connect, send, read) may take this many times the per-operation timeout:
# an endpoint that answers a byte at a time never holds a worker longer than that.
ATTEMPT_TIMEOUTS = 3
USER_AGENT = "recruit-webhooks/1"


@dataclass(frozen=True)
class Response:
    """What the endpoint answered: its status code."""

    status: int


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a checked address, sending the URL's host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        """Connect to the vetted address, never resolving the name again."""
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS to a checked address, with the certificate checked against the URL's host."""

    def connect(self) -> None:
        """Connect to the vetted address and verify the certificate for the host name."""
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Response:
    """POST `body` to `target`; the status code (redirects are not followed). Raises OSError
    or http.client.HTTPException on a network failure."""
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target, timeout)
    deadline = threading.Timer(ATTEMPT_TIMEOUTS * timeout, _cut, args=(connection,))
    deadline.daemon = True
    deadline.start()
    try:
        sent = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Content-Length": str(len(body)),
            **headers,
        }
        connection.request("POST", target.path, body=body, headers=sent)
        answer = connection.getresponse()
        answer.read(MAX_RESPONSE_BYTES)
        return Response(answer.status)
    finally:
        deadline.cancel()
        connection.close()


def _cut(connection: http.client.HTTPConnection) -> None:
    """End an attempt that ran past its deadline: the blocked read or write fails at once."""
    sock = connection.sock
    if sock is not None:
        # Already closed means the attempt has ended anyway.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
