"""Throwaway services for fault tests, each on a free port on 127.0.0.1, each ours to break.

Redis and PostgreSQL are started fresh for a test (never the machine's shared ones); the web
tier is gunicorn, and the worker and beat are `celery -A worker.main` processes, configured only
through RECRUIT_* variables as in production.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

from tests.support.smtp import free_port
from tests.support.worker import PROJECT_ROOT

BIN = PROJECT_ROOT / ".venv" / "bin"
# Generous: a loaded two-core machine takes a while to import the app in four processes.
START_SECONDS = 90.0


def wait_for(check: object, what: str, timeout: float = START_SECONDS) -> None:
    """Poll `check()` every 0.2s until truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} not ready within {timeout}s")


def stop_process(proc: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; waits for the exit either way."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGCONT)  # a frozen process cannot act on SIGTERM
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace)


def children(pid: int) -> list[int]:
    """The direct children of a process (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def kill_tree(proc: subprocess.Popen[bytes]) -> list[int]:
    """SIGKILL a process and its children at once, as the OOM killer or a host crash would."""
    victims = [proc.pid, *children(proc.pid)]
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    proc.wait(timeout=START_SECONDS)
    wait_for(lambda: all(gone(pid) for pid in victims[1:]), "killed children gone")
    return victims


def gone(pid: int) -> bool:
    """Whether a process has exited (a zombie waiting for its parent counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@dataclass
class RedisServer:
    """A private redis-server without persistence: stopping it loses every queued task."""

    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The broker URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start on the same port as before and wait until it answers PING."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        with (self.workdir / "redis.log").open("ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
        wait_for(client.ping, "redis")
        client.close()

    def stop(self) -> None:
        """Stop the server (SIGTERM); its data goes with it."""
        if self.proc is not None:
            stop_process(self.proc)

    def freeze(self) -> None:
        """SIGSTOP: connections stay open but nothing answers."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)


@dataclass
class PostgresCluster:
    """A Debian cluster made for one test with pg_createcluster, dropped afterwards."""

    version: str = field(default_factory=lambda: sorted(os.listdir("/etc/postgresql"))[-1])
    name: str = field(default_factory=lambda: f"fault{uuid.uuid4().hex[:10]}")
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the `recruit` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/recruit"

    def ctl(self, action: str) -> None:
        """pg_ctlcluster start, stop or restart (fast shutdown)."""
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action]
        if action in {"stop", "restart"}:
            command += ["-m", "fast"]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def create(self) -> None:
        """Create and start the cluster, then an empty `recruit` database."""
        subprocess.run(
            [
                "pg_createcluster",
                self.version,
                self.name,
                "-p",
                str(self.port),
                "--start-conf=manual",
                "-o",
                "fsync=off",
                "-o",
                "max_connections=300",
                "--",
                "--auth=trust",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.ctl("start")
        admin = create_engine(
            self.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE recruit"))
        admin.dispose()

    def drop(self) -> None:
        """Stop and delete the cluster."""
        subprocess.run(
            ["pg_dropcluster", "--stop", self.version, self.name], capture_output=True, timeout=120
        )


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A fresh cluster for the block."""
    cluster = PostgresCluster()
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.drop()


@dataclass
class Process:
    """A child process whose output goes to a log file."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """Everything it wrote so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def alive(self) -> bool:
        """Whether it is still running."""
        return self.proc.poll() is None


def spawn(name: str, command: list[str], env: dict[str, str], workdir: Path) -> Process:
    """Start `command` in `workdir` with `env`, logging to `<workdir>/<name>.log`."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as sink:
        proc = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    return Process(name, proc, log_path)


def web_command(port: int) -> list[str]:
    """gunicorn as in production (the image's gunicorn.conf.py), on a loopback port."""
    config = str(PROJECT_ROOT / "gunicorn.conf.py")
    return [str(BIN / "gunicorn"), "-c", config, "-b", f"127.0.0.1:{port}", "recruit:create_app()"]


# Production runs workers on hosts of their own; sharing two cores here, they yield to the web.
BACKGROUND = ("nice", "-n", "10")


def worker_command() -> list[str]:
    """A prefork worker with two children, as `docker-compose.yml` runs it (with fewer)."""
    return [
        *BACKGROUND,
        str(BIN / "celery"),
        *("-A", "worker.main", "worker", "--loglevel=INFO", "--concurrency=2"),
        *("--without-gossip", "--without-mingle", "-n", f"fault-{uuid.uuid4().hex[:6]}@%h"),
    ]


def beat_command(workdir: Path) -> list[str]:
    """Exactly one beat scheduler."""
    schedule = str(workdir / "celerybeat-schedule")
    return [
        *BACKGROUND,
        str(BIN / "celery"),
        "-A",
        "worker.main",
        "beat",
        "--loglevel=INFO",
        "-s",
        schedule,
    ]
