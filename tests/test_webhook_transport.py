"""Posting to an endpoint: an answer that trickles in never holds a worker past the deadline."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from recruit.webhooks import transport
from recruit.webhooks.addresses import Target


@pytest.fixture
def trickling_endpoint() -> Iterator[int]:
    """A loopback server that reads the request, then sends its answer a byte every 0.2 s."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" * 50:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    server.close()
    thread.join(timeout=5)


def test_a_trickling_answer_is_cut_at_the_attempts_deadline(trickling_endpoint: int) -> None:
    target = Target("http", "127.0.0.1", trickling_endpoint, "/hooks", "127.0.0.1")
    # Each byte arrives well within the 0.5 s per-operation timeout: without the whole attempt's
    # deadline (3 x 0.5 s) the status line would arrive complete after 8 s and read as a 200.
    with pytest.raises((OSError, transport.http.client.HTTPException)):
        transport.post(target, b"{}", {}, timeout=0.5)


def test_a_prompt_answer_is_read_in_full(trickling_endpoint: int) -> None:
    # The same server's status line arrives within the deadline when the timeout is generous.
    target = Target("http", "127.0.0.1", trickling_endpoint, "/hooks", "127.0.0.1")
    assert transport.post(target, b"{}", {}, timeout=10.0).status == 200
