"""The stack the browser tests drive: gunicorn, a Celery worker, aiosmtpd and PostgreSQL.

Everything listens on 127.0.0.1 on free ports. The app's BASE_URL is the web server's own
address, so the links in the emails the worker sends can be followed in the browser.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine

from recruit import create_app
from recruit.extensions import db
from recruit.models import Base
from testkit.factories import Factory
from tests.support.databases import postgres_database
from tests.support.smtp import SMTPServer, free_port, smtp_server
from tests.support.webserver import WebServer, running_web_server
from tests.support.worker import WorkerProcess, redis_settings, running_worker


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
        worker = stack.enter_context(running_worker(app, workdir / "worker", START_SECONDS))
        web = stack.enter_context(
            running_web_server(
                app, "gunicorn", workdir / "web", port=port, threads=8, timeout=START_SECONDS
            )
        )
        yield BrowserStack(app, web, worker, smtp, Factory(app))


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
