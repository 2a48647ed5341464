"""Signed-in candidates, their saved drafts and submits as raw HTTP, built before any load.

The load generators (wrk, and the timed burst below) send bytes prepared here, so they spend no
CPU building requests while the product is measured. Candidates are signed in inside this
process through the product's own session code (`start_session`, the session interface and
Flask-WTF's token), which stores the same session row and issues the same cookie as the login
form, without paying a password check per candidate.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

from flask import Flask, session
from flask_wtf.csrf import generate_csrf

from recruit.auth.views import start_session
from recruit.extensions import db
from recruit.models import User
from testkit.documents import pdf_bytes

STATEMENT = "Ten years leading regional programmes across the Midlands. " * 4
# The login is bound to the client's address and agent (recruit.auth.session.same_client): every
# request the bench sends as a signed-in user carries this agent, from 127.0.0.1.
AGENT = "recruit-bench"
SIGN_IN_THREADS = 6
# Drafts saved at once while preparing (each its own connection): below the admission limit.
SAVE_AT_ONCE = 16
EVIDENCE = "I led a £120m regional connectivity programme for six years; delivered on time. "


@dataclass(frozen=True)
class SignedIn:
    """A signed-in browser: its Cookie header value and the CSRF token of its session."""

    user_id: int
    cookie: str
    csrf: str


def _sign_in_one(app: Flask, user_id: int) -> SignedIn:
    # A fresh app context each time: Flask-WTF caches the token in `g`.
    with app.test_request_context(
        "/login",
        method="POST",
        headers={"User-Agent": AGENT},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    ):
        user = db.session.get(User, user_id)
        assert user is not None, user_id
        start_session(user)
        token = generate_csrf()
        # The session row is stored on its own connection; last_login_at need not be kept.
        db.session.rollback()
        response = app.response_class()
        app.session_interface.save_session(app, session._get_current_object(), response)  # type: ignore[attr-defined]
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    return SignedIn(user_id, cookie, token)


def sign_in(app: Flask, user_ids: Sequence[int]) -> list[SignedIn]:
    """Sign each user in, as the login form does after checking the password; in order."""
    # Each sign-in mostly waits on the database; a few at once keep it busy.
    with ThreadPoolExecutor(max_workers=SIGN_IN_THREADS) as pool:
        return list(pool.map(lambda user_id: _sign_in_one(app, user_id), user_ids))


def multipart(fields: dict[str, str], cv: bytes) -> tuple[str, bytes]:
    """A multipart/form-data body with these fields and a PDF under `cv`; its Content-Type too."""
    boundary = f"----bench{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f"--{boundary}\r\nContent-Disposition: form-data; "
        f'name="cv"; filename="cv.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        + cv
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


def _post(
    host: str, path: str, who: SignedIn, content_type: str, body: bytes, close: bool
) -> bytes:
    """A raw POST of `body` to `path` as `who`: their session cookie and the bench's agent."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
        f"User-Agent: {AGENT}\r\nCookie: {who.cookie}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        + ("Connection: close\r\n" if close else "")
        + "\r\n"
    )
    return head.encode() + body


def save_request(host: str, vacancy: SimpleNamespace, who: SignedIn) -> bytes:
    """The raw "Continue" POST of `who`: PDF CV, statement, evidence for every criterion.

    It saves the draft and leads to the check-answers page (302 to .../apply/check). It asks
    to close the connection: `fire` reads each answer to the end of its connection.
    """
    fields = {"csrf_token": who.csrf, "action": "continue", "statement": STATEMENT}
    for criterion in vacancy.criteria:
        fields[f"evidence_{criterion.id}"] = EVIDENCE + criterion.text
    content_type, body = multipart(fields, pdf_bytes(f"Curriculum vitae {who.user_id}"))
    return _post(host, f"/vacancies/{vacancy.reference}/apply", who, content_type, body, True)


def submit_request(
    host: str, vacancy: SimpleNamespace, who: SignedIn, *, close: bool = False
) -> bytes:
    """The raw submit of `who`: "Accept and send" on the check-answers page (the form token).

    It submits the draft `save_request` saved; 302 to /applications/<id>/submitted when it did.
    """
    body = urlencode({"csrf_token": who.csrf}).encode()
    path = f"/vacancies/{vacancy.reference}/apply/check"
    return _post(host, path, who, "application/x-www-form-urlencoded", body, close)


def save_drafts(
    url: str, vacancy: SimpleNamespace, people: Sequence[SignedIn], at_once: int = SAVE_AT_ONCE
) -> None:
    """Save each person's complete draft and CV with the form's "Continue", `at_once` at a time."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    for start in range(0, len(people), at_once):
        batch = people[start : start + at_once]
        now = time.monotonic()
        raw = [(now, save_request(parts.netloc, vacancy, who)) for who in batch]
        for who, answer in zip(batch, fire(host, port, raw), strict=True):
            if answer.status != 302:
                raise RuntimeError(f"saving the draft of user {who.user_id}: {answer.status}")


def write_requests(folder: Path, requests: Sequence[bytes]) -> Path:
    """Store requests for bench/submit.lua: `requests.bin` and `requests.idx` (offset length)."""
    folder.mkdir(parents=True, exist_ok=True)
    offset, index = 0, []
    with (folder / "requests.bin").open("wb") as out:
        for raw in requests:
            out.write(raw)
            index.append(f"{offset} {len(raw)}\n")
            offset += len(raw)
    (folder / "requests.idx").write_text("".join(index))
    return folder


@dataclass(frozen=True)
class Answer:
    """One timed request: status (0 if it failed), body, and when it left and came back."""

    status: int
    body: str
    sent: float
    answered: float


async def _send(host: str, port: int, at: float, raw: bytes, timeout: float) -> Answer:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    sent = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.write(raw)
        await writer.drain()
        sent = time.monotonic()
        data = await asyncio.wait_for(reader.read(), timeout)  # Connection: close, read to EOF
        writer.close()
    except (OSError, TimeoutError) as exc:
        return Answer(0, f"{exc.__class__.__name__}: {exc}", sent, time.monotonic())
    head, _, body = data.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    status = int(status_line[1]) if len(status_line) > 1 else 0
    return Answer(status, body.decode("utf-8", "replace"), sent, time.monotonic())


def fire(
    host: str, port: int, jobs: Sequence[tuple[float, bytes]], timeout: float = 60.0
) -> list[Answer]:
    """Send each (monotonic time, request) at its time on its own connection; answers in order."""

    async def everything() -> list[Answer]:
        return list(
            await asyncio.gather(*(_send(host, port, at, raw, timeout) for at, raw in jobs))
        )

    return asyncio.run(everything())
