"""The Server header names no versions: werkzeug's development server and gunicorn, as served."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from recruit.web.devserver import PathOnlyRequestHandler
from tests.support.worker import PROJECT_ROOT, worker_env

GUNICORN = Path(sys.executable).parent / "gunicorn"
WAIT_SECONDS = 30.0


def server_header(port: int, path: str = "/healthz") -> str:
    """The Server header of a GET to the server on loopback `port`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.getheader("Server", "")
    finally:
        connection.close()


def bad_request_header(port: int) -> str:
    """The Server header of the answer to a request line the server cannot parse."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / too many words HTTP/1.1\r\n\r\n")
        head = sock.recv(4096).decode("latin-1")
    return next(
        (
            line.split(":", 1)[1].strip()
            for line in head.splitlines()
            if ":" in line and line.lower().startswith("server:")
        ),
        "",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(app: Flask, workdir: Path) -> Iterator[int]:
    """gunicorn with the image's config, serving `app`'s settings on a loopback port."""
    port = free_port()
    command = [
        str(GUNICORN),
        *("-c", str(PROJECT_ROOT / "gunicorn.conf.py")),
        *("-b", f"127.0.0.1:{port}", "-w", "1", "--threads", "2"),
        "recruit:create_app()",
    ]
    workdir.mkdir(parents=True, exist_ok=True)
    with (workdir / "gunicorn.log").open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=workdir, env=worker_env(app), stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, (workdir / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


def looks_versioned(header: str) -> bool:
    return any(ch.isdigit() for ch in header) or "python" in header.lower()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_neither_server_names_its_version(app: Flask, tmp_path: Path) -> None:
    # The development server (`make run`) with the handler recruit.devserver gives it.
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=PathOnlyRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        headers = [server_header(server.port), bad_request_header(server.port)]
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert headers == ["recruit", "recruit"]

    # Production's gunicorn has named itself without a version since 20.1 (we need 22 or later).
    with gunicorn(app, tmp_path / "gunicorn") as port:
        served = server_header(port)
    assert served == "gunicorn"
    assert not looks_versioned(served)
