"""The product and the bare baseline, each under gunicorn with the production config, on loopback.

The product runs as in production: gunicorn with `gunicorn.conf.py` serving `recruit:create_app()`
(the Dockerfile's command), a Celery worker and beat, configured only through RECRUIT_* variables.
Around it: a throwaway database on the test PostgreSQL server (`testkit.databases`), a Redis
database number of the bench's own with a queue and rate-limit prefix no one else uses, and an
aiosmtpd sink that counts what it receives. Everything binds 127.0.0.1 and is stopped (and the
database dropped) when the block ends.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import requests
from aiosmtpd.controller import Controller
from flask import Flask

from bench.bare import create_table
from recruit import create_app
from recruit.config import ENV_PREFIX
from recruit.extensions import db
from testkit.databases import postgres_database
from testkit.frontend import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BIN = PROJECT_ROOT / ".venv" / "bin"
GUNICORN_CONF = PROJECT_ROOT / "gunicorn.conf.py"
REDIS_BASE = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "12"))
START_SECONDS = 60.0
# Production runs workers on hosts of their own; sharing the cores here, they yield to the web:
# SCHED_IDLE (`chrt --idle`) runs them only on CPU the web leaves unused. At nice 10 alone the
# worker still took 13-17% of the machine in P1's window (its backlog of confirmations is
# CPU-bound), which a host of its own would not take from the web; its emails follow the run.
BACKGROUND = ("chrt", "--idle", "0", "nice", "-n", "10")


def wait_for(check: Callable[[], object], what: str, timeout: float = START_SECONDS) -> None:
    """Poll `check()` until it is truthy; raise after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready within {timeout:.0f}s")


@dataclass
class Service:
    """A child process whose output goes to a log file."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """Everything it wrote so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds."""
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=grace)


def spawn(name: str, command: list[str], env: Mapping[str, str], workdir: Path) -> Service:
    """Start `command` from the project root with `env`, logging to `<workdir>/<name>.log`."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as sink:
        proc = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=dict(env), stdout=sink, stderr=subprocess.STDOUT
        )
    return Service(name, proc, log_path)


def base_env() -> dict[str, str]:
    """This environment without RECRUIT_* or gunicorn sizing, with the project importable."""
    drop = ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_BIND")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX) and k not in drop}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


def gunicorn(name: str, wsgi: str, port: int, env: Mapping[str, str], workdir: Path) -> Service:
    """gunicorn with the production config file, bound to a loopback port through GUNICORN_BIND."""
    command = [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), wsgi]
    return spawn(name, command, {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, workdir)


def started(service: Service, check: Callable[[], object]) -> None:
    """Wait until `check()` holds; if it never does, fail with the end of the service's log."""
    try:
        wait_for(lambda: service.proc.poll() is None and check(), service.name)
    except RuntimeError as exc:
        tail = " | ".join(service.log().strip().splitlines()[-3:])
        raise RuntimeError(f"{exc}; its log ends: {tail[-400:]}") from None


def answers(url: str) -> bool:
    """Whether `url` answers 200."""
    return requests.get(url, timeout=5).status_code == 200


class CountingHandler:
    """An aiosmtpd handler that accepts every message and only counts them."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Count and accept."""
        self.received += 1
        return "250 OK"


@dataclass
class Product:
    """The running product: its address, an app on the same database, and its processes."""

    app: Flask
    url: str
    db_url: str
    mail: CountingHandler
    services: list[Service]  # web (whose log is the access log), worker, beat


def env_value(value: Any) -> str:
    """A setting as a RECRUIT_* environment string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def product_settings(workdir: Path, db_url: str, smtp_port: int, tag: str) -> dict[str, Any]:
    """RECRUIT_* settings for every product process (and the bench's own app)."""
    return {
        "ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "MONITORING_KEY": secrets.token_hex(32),
        "INSTANCE_PATH": str(workdir / "instance"),
        "BASE_URL": "http://127.0.0.1",
        "DATABASE_URL": db_url,
        "REDIS_URL": f"{REDIS_BASE}/{REDIS_DB}",
        "TASK_QUEUE": f"bench-{tag}",
        "RATELIMIT_PREFIX": f"bench-{tag}:rl:",
        # Every request comes from 127.0.0.1; the limiter still runs (and uses Redis).
        "RATELIMIT_PER_ADDRESS": 1_000_000,
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        # nginx in front (P6) stamps each request's arrival; only loopback is trusted to.
        "ARRIVAL_STAMP_PROXIES": "127.0.0.1",
        "TRUSTED_PROXIES": 1,
        "LOG_JSON": True,
        # The product and the bare app share this machine's PostgreSQL (max_connections 100;
        # compose gives its own 200): 4 processes x (6 + 6 at a peak), the bare app's 4 x 6, the
        # worker, beat and this process stay under it. 6 is above the documented floor (twice
        # WEB_WORK_SLOTS); at 10 a peak reached "too many clients" and answered 503s.
        "DB_POOL_SIZE": 6,
    }


def _forget_redis(tag: str) -> None:
    client = redis.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB}", socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"*bench-{tag}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def running_product(workdir: Path) -> Iterator[Product]:
    """Database, Redis queue, SMTP sink, gunicorn, worker and beat; all gone afterwards."""
    tag = uuid.uuid4().hex[:10]
    with ExitStack() as stack:
        db_url = stack.enter_context(postgres_database())
        stack.callback(_forget_redis, tag)
        mail = CountingHandler()
        smtp_port = free_port()
        controller = Controller(mail, hostname="127.0.0.1", port=smtp_port, ready_timeout=10)
        controller.start()
        stack.callback(controller.stop)
        settings = product_settings(workdir, db_url, smtp_port, tag)
        app = create_app(settings)
        with app.app_context():
            db.create_all()
        stack.callback(_dispose, app)
        env = base_env() | {ENV_PREFIX + k: env_value(v) for k, v in settings.items()}
        port = free_port()
        celery = [*BACKGROUND, str(BIN / "celery"), "-A", "worker.main"]
        web = gunicorn("web", "recruit:create_app()", port, env, workdir)
        options = ["--loglevel=INFO", "--concurrency=2", "--without-gossip", "--without-mingle"]
        worker = spawn(
            "worker", [*celery, "worker", *options, "-n", f"bench-{tag}@%h"], env, workdir
        )
        beat = spawn(
            "beat", [*celery, "beat", "-s", str(workdir / "celerybeat-schedule")], env, workdir
        )
        services = [web, worker, beat]
        for service in services:
            stack.callback(service.stop)
        url = f"http://127.0.0.1:{port}"
        started(web, lambda: answers(f"{url}/healthz"))
        started(worker, lambda: " ready." in worker.log())
        yield Product(app, url, db_url, mail, services)


@contextmanager
def running_bare(workdir: Path, db_url: str) -> Iterator[str]:
    """The bare Flask baseline (bench.bare) under the same gunicorn config; yields its URL."""
    create_table(db_url)
    port = free_port()
    env = base_env() | {"BENCH_BARE_DATABASE_URL": db_url}
    bare = gunicorn("bare", "bench.bare:create_app()", port, env, workdir)
    try:
        url = f"http://127.0.0.1:{port}"
        started(bare, lambda: answers(f"{url}/hello"))
        yield url
    finally:
        bare.stop()
