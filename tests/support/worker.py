"""Real background services for tests: a `celery -A worker.main worker` process and Redis."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from flask import Flask

from recruit.config import DEFAULTS, ENV_PREFIX
from recruit.outbox.dispatch import courier
from tests.support.databases import unavailable

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("RECRUIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
READY_MARK = " ready."
WAIT_SECONDS = 30.0


def unique_queue() -> str:
    """A queue name no other test run uses, so tests can share one Redis."""
    return f"recruit-test-{uuid.uuid4().hex[:12]}"


def redis_or_skip(url: str = REDIS_URL) -> redis.Redis[bytes]:
    """A client for the test Redis; skips locally and fails under CI when it is unreachable."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        unavailable(f"Redis is not reachable at {url}: {exc.__class__.__name__}")
    return client


def forget_queue(client: redis.Redis[bytes], queue: str) -> None:
    """Delete the keys kombu made for `queue`, leaving the shared Redis tidy."""
    keys = list(client.scan_iter(match=f"*{queue}*", count=500))
    if keys:
        client.delete(*keys)


@contextmanager
def redis_settings() -> Iterator[dict[str, str]]:
    """`REDIS_URL` and a fresh `TASK_QUEUE` on the test Redis; the queue's keys go afterwards."""
    client = redis_or_skip()
    queue = unique_queue()
    try:
        yield {"REDIS_URL": REDIS_URL, "TASK_QUEUE": queue}
    finally:
        forget_queue(client, queue)
        client.close()


def queue_length(queue: str) -> int:
    """How many messages wait in `queue` on the test Redis."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        return int(client.llen(queue))
    finally:
        client.close()


def queued_tasks(queue: str) -> list[tuple[str, list[Any]]]:
    """(task name, arguments) of each message waiting in `queue` on the test Redis, oldest first."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        raw = client.lrange(queue, 0, -1)
    finally:
        client.close()
    found = []
    # kombu pushes new messages on the left: the oldest is last.
    for message in reversed(raw):
        envelope = json.loads(message)
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        found.append((str(envelope["headers"]["task"]), list(args)))
    return found


def worker_env(app: Flask) -> dict[str, str]:
    """The environment that points a worker process at `app`'s database, broker and mail."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    for key in [*DEFAULTS, "INSTANCE_PATH"]:
        value = app.config.get(key)
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, dict | list):
            text = json.dumps(value)
        else:
            text = str(value)
        env[ENV_PREFIX + key] = text
    env[ENV_PREFIX + "INSTANCE_PATH"] = app.instance_path
    env[ENV_PREFIX + "DATABASE_URL"] = str(app.config["SQLALCHEMY_DATABASE_URI"])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


@dataclass
class WorkerProcess:
    """A running worker and the file its output goes to."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """Everything the worker has written so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _wait_until_ready(worker: WorkerProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if READY_MARK in worker.log():
            return
        if worker.process.poll() is not None:
            raise AssertionError(f"worker exited early:\n{worker.log()}")
        time.sleep(0.1)
    raise AssertionError(f"worker not ready within {timeout}s:\n{worker.log()}")


def _stop(worker: WorkerProcess) -> None:
    if worker.process.poll() is None:
        worker.process.terminate()  # warm shutdown: finishes the task in hand
        try:
            worker.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(timeout=15)


@contextmanager
def running_worker(
    app: Flask, workdir: Path, timeout: float = WAIT_SECONDS
) -> Iterator[WorkerProcess]:
    """Start a real worker process configured like `app`, wait until it is ready, stop it after.

    `timeout` is how long it may take to start (longer for a stack sharing busy cores).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"worker-{uuid.uuid4().hex[:8]}.log"
    command = [
        sys.executable,
        *("-m", "celery", "-A", "worker.main", "worker"),
        *("--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat"),
        *("--loglevel=INFO", "-n", f"test-{uuid.uuid4().hex[:8]}@%h"),
    ]
    with log_path.open("wb") as sink:
        # cwd is the test's folder: kombu's filesystem transport keeps relative state there.
        process = subprocess.Popen(
            command, cwd=workdir, env=worker_env(app), stdout=sink, stderr=subprocess.STDOUT
        )
    worker = WorkerProcess(process, log_path)
    try:
        _wait_until_ready(worker, timeout)
        yield worker
    finally:
        _stop(worker)


def wait_until(
    check: Callable[[], object], timeout: float = WAIT_SECONDS, message: str = "condition"
) -> None:
    """Poll `check()` until it is truthy, up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{message} not met within {timeout}s")


def handed_over(app: Flask, timeout: float = 10.0) -> None:
    """Wait until the app's courier has published what requests gave it (recruit.outbox.courier)."""
    found = courier(app)
    assert found is None or found.wait_idle(timeout), "the courier still holds rows"
