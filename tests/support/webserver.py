"""Real web server processes for tests: gunicorn as in production, or `make run`'s dev server."""

from __future__ import annotations

import importlib.util
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from flask import Flask

from tests.faults.services import web_command
from tests.support.smtp import free_port
from tests.support.worker import PROJECT_ROOT, worker_env

START_SECONDS = 30.0


@dataclass
class WebServer:
    """A running web server, where it listens and the file its output goes to."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log(self) -> str:
        """Everything the server has written so far: request log and app log alike."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def dev_server_command(instance: Path, port: int) -> list[str]:
    """The web command `make run` starts (scripts/run_local.py), on `port`."""
    path = PROJECT_ROOT / "scripts" / "run_local.py"
    spec = importlib.util.spec_from_file_location("run_local_for_tests", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    env = {"RECRUIT_HOST": "127.0.0.1", "RECRUIT_PORT": str(port)}
    return list(module.process_table(instance, env)["web"])


def _answers(url: str) -> bool:
    try:
        requests.get(f"{url}/healthz", timeout=10)
    except requests.RequestException:  # not listening yet, or too busy starting to answer
        return False
    return True


def _wait_until_up(server: WebServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _answers(server.base_url):
            return
        if server.process.poll() is not None:
            raise AssertionError(f"web server exited early:\n{server.log()}")
        time.sleep(0.2)
    raise AssertionError(f"web server not up within {timeout}s:\n{server.log()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@contextmanager
def running_web_server(
    app: Flask,
    kind: str,
    workdir: Path,
    *,
    port: int | None = None,
    threads: int = 4,
    timeout: float = START_SECONDS,
) -> Iterator[WebServer]:
    """Start `kind` ("gunicorn" or "devserver") configured like `app` on a loopback port.

    `port` defaults to a free one; `threads` sizes gunicorn's one worker; `timeout` is how
    long it may take to answer /healthz.
    """
    port = port or free_port()
    if kind == "gunicorn":
        command = web_command(port)  # gunicorn.conf.py, as the image runs it
    else:
        command = dev_server_command(Path(app.instance_path), port)
    env = worker_env(app)
    # One small process is plenty here; production sizes these itself.
    env.update(WEB_CONCURRENCY="1", GUNICORN_THREADS=str(threads), PYTHONUNBUFFERED="1")
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{kind}.log"
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    server = WebServer(process, f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_until_up(server, timeout)
        yield server
    finally:
        _stop(process)
