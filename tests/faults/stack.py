"""The whole deployment in miniature: PostgreSQL, Redis, SMTP, gunicorn, a worker and beat."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from aiosmtpd.controller import Controller
from flask import Flask

from recruit import create_app
from recruit.extensions import db
from testkit.frontend import nginx_front
from tests.faults.services import (
    Process,
    RedisServer,
    beat_command,
    postgres_cluster,
    spawn,
    stop_process,
    wait_for,
    web_command,
    worker_command,
)
from tests.support.smtp import RecordingHandler, free_port
from tests.support.worker import worker_env


class SwitchableHandler(RecordingHandler):
    """Records messages, or answers every DATA with 451 while `refusing` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.refusing = threading.Event()
        self.refused = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """451 while refusing, else store."""
        if self.refusing.is_set():
            self.refused += 1
            return "451 4.3.0 Mail system busy, try again later"
        return await super().handle_DATA(server, session, envelope)


@dataclass
class MailServer:
    """aiosmtpd on a fixed port that can be taken down and brought back."""

    handler: SwitchableHandler = field(default_factory=SwitchableHandler)
    port: int = field(default_factory=free_port)
    controller: Controller | None = None

    @property
    def url(self) -> str:
        """SMTP_URL for the app."""
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen (again) on the same port."""
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self.controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until `start`."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def message_ids(self) -> list[str]:
        """Message-ID of every message accepted, duplicates included."""
        return [str(item.message["Message-ID"]) for item in self.handler.received]


@dataclass
class Stack:
    """Handles on every running part, and a Flask app on the same database for checks."""

    workdir: Path
    app: Flask
    pg: Any
    redis: RedisServer
    mail: MailServer
    web: Process
    worker: Process
    beat: Process
    port: int

    @property
    def base_url(self) -> str:
        """Where clients connect: gunicorn, or nginx before it."""
        return f"http://127.0.0.1:{self.port}"

    def processes(self) -> list[Process]:
        """Web, worker and beat."""
        return [self.web, self.worker, self.beat]


def stack_config(workdir: Path, pg_url: str, redis_url: str, smtp_url: str) -> dict[str, Any]:
    """RECRUIT_* settings shared by the test's app and every process."""
    return {
        "ENV": "testing",
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_PATH": str(workdir / "instance"),
        "BASE_URL": "http://recruit.test",
        "DATABASE_URL": pg_url,
        "REDIS_URL": redis_url,
        "SMTP_URL": smtp_url,
        "SMTP_TIMEOUT": 5.0,
        "ARGON2_TIME_COST": 2,
        "ARGON2_MEMORY_KIB": 19456,
        "ARGON2_PARALLELISM": 1,
        # One address sends every request here; the limiter still runs (and uses Redis).
        "RATELIMIT_PER_ADDRESS": 1_000_000,
        "OUTBOX_SWEEP_SECONDS": 5,
        "PUBLISH_TIMEOUT": 2.0,
        "LOG_JSON": True,
    }


def web_is_up(url: str) -> bool:
    """Whether /healthz answers 200."""
    return requests.get(f"{url}/healthz", timeout=5).status_code == 200


@contextmanager
def running_stack(
    workdir: Path, settings: Mapping[str, Any] | None = None, front: bool = False
) -> Iterator[Stack]:
    """Start everything on free local ports; stop and delete everything afterwards.

    `settings` add to or override the RECRUIT_* settings every process gets. With `front`, nginx
    stands before gunicorn as compose runs it (deploy/nginx.conf), and `Stack.port` is nginx's.
    """
    with ExitStack() as stack:
        pg = stack.enter_context(postgres_cluster())
        redis_server = RedisServer(workdir / "redis")
        redis_server.start()
        stack.callback(redis_server.stop)
        mail = MailServer()
        mail.start()
        stack.callback(mail.stop)
        config = stack_config(workdir, pg.url, redis_server.url, mail.url)
        if front:
            # Only nginx, on loopback, may stamp arrivals; clients reach gunicorn only through it.
            config.update(ARRIVAL_STAMP_PROXIES="127.0.0.1", TRUSTED_PROXIES=1)
        app = create_app({**config, **(settings or {})})
        with app.app_context():
            db.create_all()
        stack.callback(_dispose, app)
        env = worker_env(app)
        port = free_port()
        web = spawn("web", web_command(port), env, workdir / "web")
        worker = spawn("worker", worker_command(), env, workdir / "worker")
        beat = spawn("beat", beat_command(workdir / "beat"), env, workdir / "beat")
        for process in (web, worker, beat):
            stack.callback(stop_process, process.proc)
        wait_for(lambda: web_is_up(f"http://127.0.0.1:{port}"), "web")
        wait_for(lambda: " ready." in worker.log(), "worker")
        if front:
            port = stack.enter_context(nginx_front(workdir / "nginx", port))
            wait_for(lambda: web_is_up(f"http://127.0.0.1:{port}"), "nginx")
        yield Stack(workdir, app, pg, redis_server, mail, web, worker, beat, port)


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
