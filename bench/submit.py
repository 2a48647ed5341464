"""Benchmark: the cost of one submit beside the page every candidate opens straight after it.

Run as ``.venv/bin/python -m bench.submit [--submits 300] [--profile FILE]``. It makes a
throwaway PostgreSQL database, a vacancy with three criteria and two recruiters, and
``--submits`` signed-in candidates who have saved their answers and CV with the form's
"Continue" (statement, three evidence boxes, a PDF CV) and opened the check-answers page, then,
in this one process through the Flask test client:

- **submit**: each candidate's "Accept and send" POST, which submits the saved draft: the
  closing-time hot path, the request the deadline judges;
- **baseline**: each candidate's GET of their confirmation page, the page the submit leads to.

It prints CPU and wall milliseconds per request, SQL statements per request, and the submit's
ratios against the baseline measured in the same run. ``--profile`` writes the cProfile of the
submits (top functions by cumulative time) to FILE. Publishing uses the Redis at ``--redis``
on a queue of its own, deleted at the end; nothing consumes it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine

from recruit import create_app
from recruit.extensions import db
from recruit.models import Base
from testkit.databases import postgres_database
from testkit.documents import pdf_bytes
from testkit.factories import Factory
from testkit.forms import csrf_token_from
from testkit.people import bulk_users
from testkit.statements import listening


def _token(client: FlaskClient, path: str) -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def prepare(app: Flask, count: int) -> tuple[Any, list[tuple[FlaskClient, dict[str, Any]]]]:
    """The vacancy, and per candidate a signed-in client with a saved draft, and its send form."""
    make = Factory(app)
    recruiters = (make.recruiter().id, make.recruiter().id)
    vacancy = make.vacancy(
        closes_in=timedelta(hours=2),
        recruiter_ids=recruiters,
        essential=("Led a regional programme", "Worked with universities"),
        desirable=("Knows the Midlands",),
    )
    path = f"/vacancies/{vacancy.reference}/apply"
    ready = []
    for person in bulk_users(app, [f"bench{n}@example.org" for n in range(count)]):
        client = app.test_client()
        login = {"email": person.email, "password": person.password}
        login["csrf_token"] = _token(client, "/login")
        assert client.post("/login", data=login).status_code == 302
        form: dict[str, Any] = {"statement": "I lead regional programmes.", "action": "continue"}
        form.update({f"evidence_{c.id}": f"Evidence for {c.text}" for c in vacancy.criteria})
        form["csrf_token"] = _token(client, path)
        form["cv"] = (io.BytesIO(pdf_bytes()), "cv.pdf")
        saved = client.post(path, data=form)
        assert saved.headers["Location"].endswith(f"{path}/check"), saved.status_code
        ready.append((client, {"csrf_token": _token(client, f"{path}/check")}))
    return vacancy, ready


def profiled(run: Callable[[int], int], count: int, path: str) -> Callable[[int], int]:
    """`run`, profiled: after the `count`-th call the top functions are written to `path`."""
    profile = cProfile.Profile()

    def call(i: int) -> int:
        profile.enable()
        try:
            return run(i)
        finally:
            profile.disable()
            if i == count - 1:
                _write_profile(profile, count, path)

    return call


def _write_profile(profile: cProfile.Profile, count: int, path: str) -> None:
    out = io.StringIO()
    out.write(f"cProfile of {count} sends of saved drafts, PostgreSQL, Flask test client\n")
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(45)
    out.write("\n--- the application's own code (recruit/), by cumulative time ---\n")
    stats.print_stats(r"/recruit/", 40)
    with open(path, "w", encoding="utf-8") as sink:
        sink.write(out.getvalue())


def measure(app: Flask, run: Callable[[int], int], count: int) -> dict[str, float]:
    """CPU and wall ms and SQL statements per call of `run(i)` (which returns a status code)."""
    statements: list[str] = []
    with listening(app, statements.append):
        cpu, wall = time.process_time(), time.perf_counter()
        codes = {run(i) for i in range(count)}
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert len(codes) == 1, f"mixed answers: {codes}"
    return {
        "cpu_ms": 1000 * cpu / count,
        "wall_ms": 1000 * wall / count,
        "sql": len(statements) / count,
    }


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submits", type=int, default=300)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--profile", help="write the submits' cProfile top lines here")
    args = parser.parse_args()
    queue = f"bench-submit-{uuid.uuid4().hex[:8]}"
    with postgres_database() as url, tempfile.TemporaryDirectory() as instance:
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        app = create_app(
            {
                "ENV": "testing",
                "SECRET_KEY": secrets.token_hex(32),
                "INSTANCE_PATH": instance,
                "DATABASE_URL": url,
                "REDIS_URL": args.redis,
                "TASK_QUEUE": queue,
                "ARGON2_TIME_COST": 2,
                "ARGON2_MEMORY_KIB": 19456,
                "LOG_LEVEL": "WARNING",
                "RATELIMIT_PER_ADDRESS": 10**6,
            }
        )
        vacancy, ready = prepare(app, args.submits)
        path = f"/vacancies/{vacancy.reference}/apply/check"
        pages: list[str] = []

        def submit(i: int) -> int:
            client, form = ready[i]
            response = client.post(path, data=form)
            pages.append(response.headers.get("Location", ""))
            return response.status_code

        run = profiled(submit, args.submits, args.profile) if args.profile else submit
        ours = measure(app, run, args.submits)
        base = measure(app, lambda i: ready[i][0].get(pages[i]).status_code, args.submits)
        with app.app_context():
            db.engine.dispose()
    redis.Redis.from_url(args.redis).delete(queue)
    print(f"{args.submits} submits on PostgreSQL, one process, Flask test client")
    print("| request | CPU ms | wall ms | SQL statements |")
    print("| --- | ---: | ---: | ---: |")
    for label, row in (("submit", ours), ("confirmation page (baseline)", base)):
        print(f"| {label} | {row['cpu_ms']:.1f} | {row['wall_ms']:.1f} | {row['sql']:.0f} |")
    print(
        f"submit / baseline: CPU {ours['cpu_ms'] / base['cpu_ms']:.2f}x, "
        f"wall {ours['wall_ms'] / base['wall_ms']:.2f}x"
    )


if __name__ == "__main__":
    main()
