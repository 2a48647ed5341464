"""The stack the browser tests drive: gunicorn, a Celery worker, aiosmtpd and PostgreSQL.

Everything listens on 127.0.0.1 on free ports. The app's BASE_URL is the web server's own
address, so the links in the emails the worker sends can be followed in the browser.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from sqlalchemy import create_engine

from recruit import create_app
from recruit.extensions import db
from recruit.models import Base
from testkit.factories import Factory
from tests.faults.services import web_command
from tests.support.databases import postgres_database
from tests.support.smtp import SMTPServer, free_port, smtp_server
from tests.support.webserver import WebServer, _stop
from tests.support.worker import (
    PROJECT_ROOT,
    WorkerProcess,
    redis_settings,
    worker_env,
)
from tests.support.worker import _stop as _stop_worker
from tests.support.worker import _wait_until_ready as _wait_until_worker_ready


@dataclass
class BrowserStack:
    """Handles on the running parts, and an app on the same database for setting up data."""

    app: Flask
    web: WebServer
    worker: WorkerProcess
    smtp: SMTPServer
    make: Factory

    @property
    def base_url(self) -> str:
        """Where the browser goes: gunicorn on loopback."""
        return self.web.base_url

    def url(self, path: str) -> str:
        """An absolute URL on the stack for a site path like `/login`."""
        return f"{self.base_url}{path}"


def stack_settings(instance: Path, port: int, pg_url: str, smtp_url: str) -> dict[str, Any]:
    """RECRUIT_* settings for the test process's app, the web server and the worker."""
    return {
        "ENV": "testing",
        "SECRET_KEY": "browser-test-secret-key-not-for-production",
        "MONITORING_KEY": "browser-test-monitoring-key-not-for-production",
        "INSTANCE_PATH": str(instance),
        "BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": pg_url,
        "SMTP_URL": smtp_url,
        "ARGON2_TIME_COST": 2,
        "ARGON2_MEMORY_KIB": 19456,
        "ARGON2_PARALLELISM": 1,
        # Every request comes from 127.0.0.1; the limiter still runs, on Redis.
        "RATELIMIT_PER_ADDRESS": 1_000_000,
        "RATELIMIT_PREFIX": f"browser:{uuid.uuid4().hex}:",
        "PUBLISH_TIMEOUT": 2.0,
    }


START_SECONDS = 90.0  # two busy cores: loading the app can take a while


def _wait_until_up(server: WebServer) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            requests.get(f"{server.base_url}/healthz", timeout=10)
            return
        except requests.RequestException:
            pass
        if server.process.poll() is not None:
            raise AssertionError(f"web server exited early:\n{server.log()}")
        time.sleep(0.2)
    raise AssertionError(f"web server not up within {START_SECONDS}s:\n{server.log()}")


@contextmanager
def _worker(app: Flask, workdir: Path) -> Iterator[WorkerProcess]:
    """tests.support.worker's solo-pool worker, given longer to start on busy cores."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "worker.log"
    command = [
        sys.executable,
        *("-m", "celery", "-A", "worker.main", "worker"),
        *("--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat"),
        *("--loglevel=INFO", "-n", f"browser-{uuid.uuid4().hex[:8]}@%h"),
    ]
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=workdir, env=worker_env(app), stdout=sink, stderr=subprocess.STDOUT
        )
    worker = WorkerProcess(process, log_path)
    try:
        _wait_until_worker_ready(worker, START_SECONDS)
        yield worker
    finally:
        _stop_worker(worker)


@contextmanager
def _gunicorn(app: Flask, port: int, workdir: Path) -> Iterator[WebServer]:
    env = worker_env(app)
    env.update(WEB_CONCURRENCY="1", GUNICORN_THREADS="8", PYTHONUNBUFFERED="1")
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "gunicorn.log"
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            web_command(port), cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    server = WebServer(process, f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(process)


@contextmanager
def running_browser_stack(workdir: Path) -> Iterator[BrowserStack]:
    """Start PostgreSQL's database, Redis queue, SMTP, web and worker; stop them afterwards."""
    with ExitStack() as stack:
        pg_url = stack.enter_context(postgres_database())
        engine = create_engine(pg_url)
        Base.metadata.create_all(engine)
        engine.dispose()
        smtp = stack.enter_context(smtp_server())
        redis = stack.enter_context(redis_settings())
        port = free_port()
        settings = stack_settings(workdir / "instance", port, pg_url, smtp.url)
        app = create_app({**settings, **redis})
        stack.callback(_dispose, app)
        # The worker first: /healthz, which says when the web is up, asks after it.
        worker = stack.enter_context(_worker(app, workdir / "worker"))
        web = stack.enter_context(_gunicorn(app, port, workdir / "web"))
        yield BrowserStack(app, web, worker, smtp, Factory(app))


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
