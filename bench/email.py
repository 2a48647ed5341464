"""Benchmark: emails through outbox, worker and SMTP beside raw smtplib on one connection.

Run as ``.venv/bin/python -m bench.email [--rows 2000]``. In one run, against one aiosmtpd sink
(its own process on 127.0.0.1):

- **baseline**: this process builds ``--rows`` emails like the product's (same templates, same
  code), then times raw ``smtplib.SMTP.send_message`` over a single connection;
- **product**: ``--rows`` outbox rows committed (in batches, published after commit as the app
  does: one relay message per commit, which the worker hands on as ``deliver_batch`` tasks) to
  a real ``celery -A worker.main worker`` (prefork, ``--concurrency`` as compose runs it), timed
  from the first commit until the sink holds every email.

Exactness is checked, not assumed: each Message-ID reaches the sink exactly once and every row
ends ``sent`` after one attempt. Prints ``P4 email product=<x>/s baseline=<y>/s ratio=<r>``
plus detail lines starting with ``#``. Needs the test PostgreSQL server and Redis (``--redis``,
default db 13, on a queue of its own that is deleted at the end). Every wait is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import secrets
import select
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import Any

REDIS_URL = os.environ.get("RECRUIT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
BATCH = 200  # outbox rows per commit, as many requests' worth of email
START_SECONDS = 60.0
DRAIN_SECONDS = 300.0
SETTLE_SECONDS = 2.0  # after the last email, watch this long for a duplicate
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class CountingHandler:
    """An aiosmtpd handler that keeps only each email's Message-ID and when it came."""

    def __init__(self) -> None:
        self.ids: list[bytes] = []
        self.connections = 0
        self.quits = 0
        self.last_arrival = 0.0
        self.lock = threading.Lock()

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Count a client's goodbye: the worker closes its connections as it stops."""
        with self.lock:
            self.quits += 1
        return "221 Bye"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Note the Message-ID and accept."""
        found = _MESSAGE_ID.search(envelope.content)
        with self.lock:
            self.ids.append(found.group(1) if found else b"")
            self.last_arrival = time.monotonic()
        return "250 Message accepted for delivery"


def serve_sink(port: int) -> None:
    """The sink process: serve SMTP on `port`; answer 'stats' and 'reset' lines on stdin with
    a JSON line [message_ids, connections, last_arrival]; stop at end of input."""
    from aiosmtpd.controller import Controller

    handler = CountingHandler()

    class CountingController(Controller):
        def factory(self) -> Any:
            with handler.lock:
                handler.connections += 1  # aiosmtpd makes one protocol per connection
            return super().factory()  # type: ignore[no-untyped-call]

    controller = CountingController(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    print("ready", flush=True)
    for command in sys.stdin:
        with handler.lock:
            if command.strip() == "reset":
                handler.ids, handler.connections, handler.last_arrival = [], 0, 0.0
                handler.quits = 0
            ids = [i.decode("ascii", "replace") for i in handler.ids]
            answer = [ids, handler.connections, handler.last_arrival, handler.quits]
        print(json.dumps(answer), flush=True)
    controller.stop()


class Sink:
    """The aiosmtpd sink in a process of its own, so it never shares a GIL with a client."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.email", "--sink", str(self.port)],
            cwd=PROJECT_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._line() != "ready":
            self.stop()
            raise RuntimeError("SMTP sink did not start")

    def _line(self) -> str:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], START_SECONDS)
        if not ready:
            raise RuntimeError("SMTP sink stopped answering")
        return self.process.stdout.readline().strip()

    def ask(self, command: str) -> tuple[list[str], int, float]:
        """'stats' or 'reset': Message-IDs received, connections made, last arrival."""
        ids, connections, last, _ = self.stats(command)
        return ids, connections, last

    def stats(self, command: str = "stats") -> tuple[list[str], int, float, int]:
        """Message-IDs received, connections made, last arrival and QUITs received."""
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        ids, connections, last, quits = json.loads(self._line())
        return ids, connections, last, quits

    def stop(self) -> None:
        """Stop the server and its process."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def settings(url: str, instance: str, sink: Sink, queue: str) -> dict[str, Any]:
    """The app's settings for both this process and the worker."""
    return {
        "ENV": "testing",
        "SECRET_KEY": secrets.token_hex(32),
        "MONITORING_KEY": secrets.token_hex(32),
        "INSTANCE_PATH": instance,
        "BASE_URL": "http://recruit.bench",
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "TASK_QUEUE": queue,
        "SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "LOG_LEVEL": "INFO",
    }


def seed_rows(app: Any, rows: int) -> list[Any]:
    """Users to write to, one per email (the verification email each would get)."""
    from sqlalchemy import select

    from recruit.extensions import db
    from recruit.models import User
    from testkit.people import bulk_users

    people = bulk_users(app, [f"bench{n}@example.org" for n in range(rows)])
    with app.app_context():
        ids = [p.id for p in people]
        users = list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))
        db.session.expunge_all()
    return users


def baseline(app: Any, users: list[Any], sink: Sink) -> tuple[float, int]:
    """Raw smtplib, one connection: msg/s and how many arrived."""
    from recruit.models import OutboxMessage
    from recruit.notifications.mail import build_message

    with app.app_context():
        messages: list[EmailMessage] = []
        for n, user in enumerate(users):
            row = OutboxMessage(id=10**6 + n, template="verify_email", recipient=user.email)
            row.payload = {
                "full_name": user.full_name,
                "verify_url": f"http://recruit.bench/verify/{n}",
                "hours": 48,
            }
            messages.append(build_message(row))
    sink.ask("reset")
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=30) as smtp:
        for message in messages:
            smtp.send_message(message)
    seconds = time.perf_counter() - started
    ids, _, _ = sink.ask("stats")
    return len(messages) / seconds, len(set(ids))


def worker_env(config: dict[str, Any]) -> dict[str, str]:
    """The environment for `celery -A worker.main worker`, configured only by RECRUIT_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECRUIT_")}
    env.update({f"RECRUIT_{key}": str(value) for key, value in config.items()})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


def start_worker(config: dict[str, Any], workdir: Path, concurrency: int) -> Any:
    """A prefork worker as compose runs it; returns the process once it is ready."""
    log_path = workdir / "worker.log"
    command = [
        sys.executable,
        *("-m", "celery", "-A", "worker.main", "worker", "--loglevel=INFO"),
        f"--concurrency={concurrency}",
        *("--without-gossip", "--without-mingle", "-n", f"bench-{uuid.uuid4().hex[:6]}@%h"),
    ]
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=workdir, env=worker_env(config), stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + START_SECONDS
    while " ready." not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"worker did not start:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.1)
    return process


def stop(process: Any) -> None:
    """Warm shutdown, then kill if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def enqueue(app: Any, users: list[Any]) -> float:
    """Commit one verification email per user, `BATCH` per transaction; the start time."""
    from recruit.extensions import db
    from recruit.notifications.catalog import verify_email

    started = time.monotonic()
    with app.app_context():
        for first in range(0, len(users), BATCH):
            for n, user in enumerate(users[first : first + BATCH], start=first):
                verify_email(user, f"bench-token-{n}", 48)
            db.session.commit()  # the after-commit hook publishes the batch
    return started


def drained(sink: Sink, rows: int) -> tuple[list[str], int, float]:
    """Wait (bounded) until the sink has `rows` emails and nothing more comes."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while len(sink.ask("stats")[0]) < rows and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(SETTLE_SECONDS)
    return sink.ask("stats")


def outbox_state(app: Any) -> tuple[Counter[str], int, set[str]]:
    """Rows by status, total attempts, and every row's Message-ID."""
    from sqlalchemy import select

    from recruit.extensions import db
    from recruit.models import OutboxMessage

    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        statuses = Counter(str(row.status.value) for row in rows)
        attempts = sum(row.attempts for row in rows)
        message_ids = {row.message_id for row in rows}
        db.session.rollback()
    return statuses, attempts, message_ids


def product(
    app: Any, config: dict[str, Any], users: list[Any], sink: Sink, concurrency: int
) -> list[str]:
    """Outbox rows through a real worker to the sink: the P4 product figure and checks."""
    sink.ask("reset")
    with tempfile.TemporaryDirectory(prefix="bench-email-worker-") as workdir:
        worker = start_worker(config, Path(workdir), concurrency)
        before = cpu_seconds(sink.process.pid), resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            started = enqueue(app, users)
            ids, connections, last = drained(sink, len(users))
        finally:
            stop(worker)
    after = cpu_seconds(sink.process.pid), resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = sum(after[1][:2]) - sum(before[1][:2])  # the worker and its pool, reaped
    per_email = 1000 / len(users)
    quits = sink.stats()[3]
    statuses, attempts, expected = outbox_state(app)
    elapsed = max(last - started, 1e-9)
    received = Counter(ids)
    return [
        f"{len(users) / elapsed:.1f}",
        f"# product: {len(ids)} emails in {elapsed:.2f} s over {connections} SMTP connections "
        f"({quits} closed with QUIT at worker shutdown), worker --concurrency={concurrency}",
        f"# CPU per email: worker {worker_cpu * per_email:.2f} ms (with its start-up), "
        f"SMTP sink {(after[0] - before[0]) * per_email:.2f} ms",
        f"# exactness: lost={len(expected - set(received))} "
        f"duplicated={sum(c - 1 for c in received.values())} "
        f"unexpected={len(set(received) - expected)} outbox={dict(statuses)} attempts={attempts}",
    ]


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(rows: int = 2000, concurrency: int = 4) -> list[str]:
    """Measure both sides in one run; the P4 line first, then '#' detail lines."""
    from sqlalchemy import create_engine

    from recruit import create_app
    from recruit.extensions import db
    from recruit.models import Base
    from testkit.databases import postgres_database

    queue = f"bench-email-{uuid.uuid4().hex[:8]}"
    sink = Sink()
    try:
        with postgres_database() as url, tempfile.TemporaryDirectory() as instance:
            engine = create_engine(url)
            Base.metadata.create_all(engine)
            engine.dispose()
            config = settings(url, instance, sink, queue)
            app = create_app({**config, "LOG_LEVEL": "WARNING"})
            users = seed_rows(app, rows)
            base_rate, base_received = baseline(app, users, sink)
            ours = product(app, config, users, sink, concurrency)
            with app.app_context():
                db.engine.dispose()
    finally:
        sink.stop()
        forget_queue(queue)
    ratio = float(ours[0]) / base_rate
    return [
        f"P4 email product={ours[0]}/s baseline={base_rate:.1f}/s ratio={ratio:.2f}",
        f"# baseline: raw smtplib.send_message, one connection, {base_received} of {rows} "
        "emails arrived",
        *ours[1:],
    ]


def forget_queue(queue: str) -> None:
    """Delete the Redis keys kombu made for our queue."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"*{queue}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def main() -> None:
    """Run and print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes (compose: 4)")
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)  # the sink's own process
    args = parser.parse_args()
    if args.sink:
        serve_sink(args.sink)
        return
    for line in run(args.rows, args.concurrency):
        print(line, flush=True)


if __name__ == "__main__":
    main()
