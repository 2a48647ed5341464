"""Timed POSTs for a closing-time crowd, prepared in advance and sent as raw bytes.

`requests` spends milliseconds of CPU per call under one GIL; with hundreds of threads on a
loaded two-core machine the load generator itself would fall behind its schedule. Here each
request is a byte string built before the burst, so sending it costs one `sendall`, and the
time recorded as "sent" is when the bytes left, not when the thread woke up.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from http.client import HTTPResponse
from urllib.parse import urlencode, urlsplit

from tests.faults.traffic import Browser, Tally

# A crowd queues in nginx, which waits up to 150 s for gunicorn (deploy/nginx.conf).
TIMEOUT = 170.0


@dataclass(frozen=True)
class Answer:
    """What came back for one timed request."""

    status: int
    body: str
    sent: float  # monotonic time the last byte left
    answered: float  # monotonic time the response was read


@dataclass(frozen=True)
class TimedPost:
    """A form POST as bytes, due at a monotonic time."""

    at: float
    host: str
    port: int
    payload: bytes


def timed_post(
    at: float, browser: Browser, path: str, form: dict[str, str], extra: str = ""
) -> TimedPost:
    """The POST `browser` would send (its cookies, this form, `extra` header lines), due at `at`."""
    url = urlsplit(browser.base)
    body = urlencode(form).encode()
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.http.cookies)
    # The same agent string as the browser's: the login is bound to it ("strong" protection).
    agent = browser.http.headers["User-Agent"]
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: close\r\n"
        f"User-Agent: {agent}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        f"Cookie: {cookies}\r\n{extra}\r\n"
    )
    return TimedPost(at, url.hostname or "127.0.0.1", url.port or 80, head.encode() + body)


def _send(job: TimedPost) -> Answer:
    time.sleep(max(0.0, job.at - time.monotonic()))
    with socket.create_connection((job.host, job.port), timeout=TIMEOUT) as conn:
        conn.sendall(job.payload)
        sent = time.monotonic()
        response = HTTPResponse(conn)
        response.begin()
        body = response.read().decode("utf-8", "replace")
    return Answer(response.status, body, sent, time.monotonic())


def fire(jobs: list[TimedPost], tally: Tally) -> list[Answer]:
    """Send every job at its time, one thread each; the answers, in the jobs' order."""
    answers: list[Answer | None] = [None] * len(jobs)

    def run(index: int) -> None:
        answers[index] = _send(jobs[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT + 5)
    done = [a for a in answers if a is not None]
    assert len(done) == len(jobs), f"{len(jobs) - len(done)} requests never came back"
    for answer in done:
        tally.count(answer.status, answer.body, "POST (burst)")
    return done
