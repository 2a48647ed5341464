"""A real webhook receiver on 127.0.0.1 (a server thread) that records and verifies deliveries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from recruit.extensions import db
from recruit.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEvent, utcnow
from recruit.webhooks import signing


@dataclass
class Received:
    """One POST the receiver got: its headers, raw body, the answer given, and the JSON."""

    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        """The parsed body."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """What the server got, and the status codes it will answer next (then 200)."""

    url: str
    script: list[int] = field(default_factory=list)
    got: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        """The next scripted status, or 200."""
        with self.lock:
            return self.script.pop(0) if self.script else 200

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """Every received event, each checked against `secret` (raises if one is not signed)."""
        with self.lock:
            received = list(self.got)
        for item in received:
            signing.verify(secret, item.headers["Recruit-Signature"], item.body)
        return [item.event for item in received]


@contextmanager
def receiver(path: str = "/hooks/recruit") -> Iterator[Receiver]:
    """Serve on a free loopback port until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}{path}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status = state.answer()
            with state.lock:
                state.got.append(Received(dict(self.headers.items()), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def add_delivery(
    endpoint_id: int, event_type: str, status: DeliveryStatus, codes: tuple[int, ...]
) -> WebhookDelivery:
    """A finished delivery of a new `event_type` event, one logged attempt per status code in
    `codes` (the last is the final answer); flushed, the caller commits."""
    event = WebhookEvent(type=event_type, data={event_type.split(".")[0]: {"id": 1}})
    db.session.add(event)
    db.session.flush()
    delivery = WebhookDelivery(
        endpoint_id=endpoint_id,
        event_id=event.id,
        status=status,
        attempts=len(codes),
        last_status_code=codes[-1],
        finished_at=utcnow(),
    )
    delivery.attempt_log = [WebhookAttempt(status_code=code, duration_ms=10) for code in codes]
    db.session.add(delivery)
    db.session.flush()
    return delivery
