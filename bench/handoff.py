"""Benchmark P3: handing one submit's work to the worker, beside one raw Celery ``.delay()``.

Run as ``.venv/bin/python -m bench.handoff [--submits 1000]``; ``run()`` is what ``make bench``
calls. In this one process, against a throwaway PostgreSQL database and the Redis at
``RECRUIT_BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``), it times alternately:

- **product**: the outbox row one submit writes (its submission notice, which a worker turns
  into the candidate's confirmation and the recruiters' emails), the commit, and the
  after-commit publish: one INSERT, one message;
- **baseline**: one ``.delay()`` of a trivial task, through a Celery app with the same
  settings and the same Redis.

Each side publishes to a queue of its own that nothing consumes; both are deleted at the end.
Rounds alternate between the two so that a busy machine slows both alike, and the run stops
early at a time limit. It prints one line, the mean milliseconds per submit and their ratio.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import redis
from celery import Celery
from flask import Flask
from sqlalchemy import create_engine

from recruit import create_app
from recruit.celery_config import celery_settings
from recruit.extensions import db
from recruit.models import Base, OutboxMessage
from recruit.services.submission_notices import NOTICE_KIND, NOTICE_TEMPLATE
from testkit.databases import postgres_database
from testkit.factories import Factory

REDIS_URL = os.environ.get("RECRUIT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ROUND = 50  # submits per side before switching to the other
WARM_UP = 20
TIME_LIMIT = 240.0  # seconds for the measured rounds, both sides together


def _app(url: str, instance: str, queue: str) -> Flask:
    return create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": secrets.token_hex(32),
            "INSTANCE_PATH": instance,
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "TASK_QUEUE": queue,
            "LOG_LEVEL": "WARNING",
        }
    )


def submitted_application(app: Flask) -> int:
    """An application whose notice the product side hands over, again and again."""
    make = Factory(app)
    recruiters = (make.recruiter().id, make.recruiter().id)
    vacancy = make.vacancy(closes_in=timedelta(hours=2), recruiter_ids=recruiters)
    person = make.candidate()
    return int(make.application(person.id, vacancy.id).id)


def _product(app: Flask, application_id: int) -> Callable[[], None]:
    def hand_over() -> None:
        with app.app_context():
            payload = {"application_id": application_id}
            notice = OutboxMessage(
                kind=NOTICE_KIND, template=NOTICE_TEMPLATE, recipient="", payload=payload
            )
            db.session.add(notice)
            db.session.commit()  # one INSERT, then one publish after the commit

    return hand_over


def _baseline(app: Flask, queue: str) -> tuple[Celery, Callable[[], None]]:
    client = Celery("bench-handoff-baseline", set_as_current=False)
    client.conf.update(celery_settings(app.config))
    client.conf.task_default_queue = queue

    @client.task(name="bench.handoff.noop")  # type: ignore[untyped-decorator]
    def noop() -> None:
        return None

    def delay() -> None:
        noop.delay()

    return client, delay


def _timed(step: Callable[[], None], times: int) -> float:
    started = time.perf_counter()
    for _ in range(times):
        step()
    return time.perf_counter() - started


def _alternate(
    product: Callable[[], None], baseline: Callable[[], None], submits: int
) -> tuple[float, float, int]:
    """Seconds spent on each side and how many submits each did, in alternating rounds."""
    _timed(product, WARM_UP)
    _timed(baseline, WARM_UP)
    ours = theirs = 0.0
    done = 0
    deadline = time.monotonic() + TIME_LIMIT
    while done < submits and time.monotonic() < deadline:
        size = min(ROUND, submits - done)
        ours += _timed(product, size)
        theirs += _timed(baseline, size)
        done += size
    return ours, theirs, done


def _forget(queues: list[str]) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for queue in queues:
            keys = list(client.scan_iter(match=f"*{queue}*", count=500))
            if keys:
                client.delete(*keys)
    finally:
        client.close()


def run(submits: int = 1000) -> list[str]:
    """Measure the hand-over of `submits` submits against as many raw `.delay()` calls."""
    tag = uuid.uuid4().hex[:8]
    ours_queue, raw_queue = f"bench-handoff-{tag}", f"bench-handoff-raw-{tag}"
    try:
        with postgres_database() as url, tempfile.TemporaryDirectory() as instance:
            engine = create_engine(url)
            Base.metadata.create_all(engine)
            engine.dispose()
            app = _app(url, instance, ours_queue)
            application_id = submitted_application(app)
            client, baseline = _baseline(app, raw_queue)
            ours, theirs, done = _alternate(_product(app, application_id), baseline, submits)
            published = redis.Redis.from_url(REDIS_URL).llen(ours_queue)
            client.close()
            with app.app_context():
                db.engine.dispose()
    finally:
        _forget([ours_queue, raw_queue])
    # Every commit handed its rows over in one message (warm-up included).
    if published != done + WARM_UP:
        raise RuntimeError(f"{done + WARM_UP} commits published {published} messages")
    product_ms, baseline_ms = 1000 * ours / done, 1000 * theirs / done
    return [
        f"P3 handoff product={product_ms:.2f}ms baseline={baseline_ms:.2f}ms "
        f"ratio={product_ms / baseline_ms:.2f}"
    ]


def main() -> None:
    """Run the benchmark and print its line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submits", type=int, default=1000)
    args = parser.parse_args()
    for line in run(args.submits):
        print(line)


if __name__ == "__main__":
    main()
