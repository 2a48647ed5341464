"""Benchmark pages: the recruiter board of a big vacancy and the public vacancy list.

The bench runner (bench/run.py) seeds with `seed_board` and `seed_open_vacancies`, signs in with
`sign_in`, and loads `board_path(...)` and `list_path()` under gunicorn. Run on its own,
``.venv/bin/python -m bench.pages`` measures in one process, through the Flask test client, page 1
of the board at 100 and at 10,000 applications and the vacancy list, and prints the ratios.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import redis
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine

from bench.seed import load
from recruit import create_app
from recruit.models import (
    Base,
    Role,
    User,
    Vacancy,
    VacancyRecruiter,
    VacancySector,
    VacancyStatus,
    VacancyTheme,
    utcnow,
)
from testkit.databases import postgres_database
from testkit.forms import csrf_token_from
from testkit.people import PASSWORD as RECRUITER_PASSWORD
from testkit.statements import listening

RECRUITER_EMAIL: Final = "board-recruiter@midlandsengine.example"
THEMES: Final = ("connectivity", "skills", "innovation", "trade-investment")


@dataclass(frozen=True)
class BoardSeed:
    """What `seed_board` made: vacancy id per size, and a recruiter on every vacancy's team."""

    vacancy_ids: dict[int, int]
    email: str
    password: str


def seed_board(engine: Engine, sizes: Sequence[int] = (100, 10_000)) -> BoardSeed:
    """One vacancy per size with that many applications, and a recruiter on their teams.

    Calls `bench.seed.load` once (it makes the candidates, so call it no other time on this
    database), then adds the recruiter and analyzes.
    """
    ids = load(engine, sizes)
    password = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1).hash(
        RECRUITER_PASSWORD
    )
    with engine.begin() as conn:
        recruiter = conn.execute(
            insert(User)
            .values(
                email=RECRUITER_EMAIL,
                full_name="Board Recruiter",
                password_hash=password,
                role=Role.RECRUITER,
                email_verified_at=utcnow(),
            )
            .returning(User.id)
        ).scalar_one()
        conn.execute(
            insert(VacancyRecruiter), [{"vacancy_id": v, "user_id": recruiter} for v in ids]
        )
    return BoardSeed(dict(zip(sizes, ids, strict=True)), RECRUITER_EMAIL, RECRUITER_PASSWORD)


def seed_open_vacancies(engine: Engine, count: int = 30) -> int:
    """`count` published vacancies, open for 30 days or so, each tagged with a theme."""
    now = utcnow()
    with engine.begin() as conn:
        ids = conn.scalars(
            insert(Vacancy).returning(Vacancy.id),
            [
                {
                    "reference": f"ME-L{n:04d}",
                    "title": f"Head of Regional Programme {n}",
                    "summary": "Lead a programme across the Midlands with councils and partners.",
                    "description": "A senior leadership role. " * 20,
                    "location": "Birmingham (hybrid)",
                    "salary_band": "£85,000 to £95,000",
                    "contract_type": "permanent",
                    "closes_at": now + timedelta(days=30, hours=n),
                    "status": VacancyStatus.PUBLISHED,
                    "published_at": now - timedelta(days=1),
                }
                for n in range(count)
            ],
        ).all()
        conn.execute(
            insert(VacancyTheme),
            [{"vacancy_id": v, "theme": THEMES[n % len(THEMES)]} for n, v in enumerate(ids)],
        )
        conn.execute(
            insert(VacancySector),
            [{"vacancy_id": v, "sector": "next-generation-transport"} for v in ids[::2]],
        )
    return len(ids)


def _connection(base_url: str) -> http.client.HTTPConnection:
    parts = urllib.parse.urlsplit(base_url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)


def _keep_cookies(jar: dict[str, str], response: http.client.HTTPResponse) -> None:
    """Update `jar` from the response's Set-Cookie headers (an empty value deletes)."""
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        if value:
            jar[name.strip()] = value
        else:
            jar.pop(name.strip(), None)


def _cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def sign_in(base_url: str, email: str, password: str) -> str:
    """Sign in through the real login form; returns the value for a Cookie header."""
    jar: dict[str, str] = {}
    conn = _connection(base_url)
    try:
        conn.request("GET", "/login")
        page = conn.getresponse()
        token = csrf_token_from(page.read().decode())
        _keep_cookies(jar, page)
        body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": _cookie_header(jar),
        }
        conn.request("POST", "/login", body=body, headers=headers)
        answer = conn.getresponse()
        answer.read()
        _keep_cookies(jar, answer)
        if answer.status != 302:
            raise RuntimeError(f"login refused: {answer.status}")
        return _cookie_header(jar)
    finally:
        conn.close()


def board_path(base_url: str, cookie: str, vacancy_id: int) -> str:
    """The path of the vacancy's board, page 1 in the default order, checked with one GET."""
    path = f"/admin/vacancies/{vacancy_id}/applications"
    conn = _connection(base_url)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")
    return path


def list_path() -> str:
    """The public vacancy list, as an anonymous visitor asks for it."""
    return "/vacancies"


def _median_ms(client: FlaskClient, paths: Sequence[str], repeat: int) -> dict[str, float]:
    """Median wall ms per path, the paths taken in turn so the machine's load hits each alike."""
    times: dict[str, list[float]] = {path: [] for path in paths}
    for _ in range(repeat):
        for path in paths:
            start = time.perf_counter()
            status = client.get(path).status_code
            times[path].append(1000 * (time.perf_counter() - start))
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
    return {path: statistics.median(values) for path, values in times.items()}


def _statements(client: FlaskClient, path: str) -> int:
    sent: list[str] = []
    with listening(client.application, sent.append):
        client.get(path)
    return len(sent)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure page 1 of the board at each size, and the vacancy list, in one process."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--redis", help="a Redis URL, to serve the vacancy list from its cache")
    args = parser.parse_args(argv)
    with postgres_database() as url, tempfile.TemporaryDirectory() as instance:
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        seed = seed_board(engine)
        seed_open_vacancies(engine)
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        engine.dispose()
        settings = {"DATABASE_URL": url, "INSTANCE_PATH": instance, "ENV": "testing"}
        if args.redis:
            prefix = f"bench-pages-{uuid.uuid4().hex[:8]}:"
            settings |= {"REDIS_URL": args.redis, "PAGE_CACHE_PREFIX": prefix}
        app = create_app(settings)
        client = app.test_client()
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        form = {"email": seed.email, "password": seed.password, "csrf_token": token}
        if client.post("/login", data=form).status_code != 302:
            raise RuntimeError("the bench recruiter could not sign in")
        for query in ("", "?sort=score"):
            paths = {
                size: f"/admin/vacancies/{vacancy_id}/applications{query}"
                for size, vacancy_id in sorted(seed.vacancy_ids.items())
            }
            for path in paths.values():
                client.get(path)  # warm up: connections and prepared statements
            medians = _median_ms(client, list(paths.values()), args.repeat)
            for size, path in paths.items():
                print(
                    f"board size={size} sort={query or 'default'} median_ms={medians[path]:.2f} "
                    f"statements={_statements(client, path)}"
                )
            small, big = min(paths), max(paths)
            ratio = medians[paths[big]] / medians[paths[small]]
            print(f"board page 1 sort={query or 'default'} ratio {big}/{small}={ratio:.2f}")
        listed = _median_ms(app.test_client(), [list_path()], args.repeat)[list_path()]
        print(f"vacancy list (anonymous) median_ms={listed:.2f}")
        if args.redis:
            redis.Redis.from_url(args.redis).delete(f"{settings['PAGE_CACHE_PREFIX']}vacancies")


if __name__ == "__main__":
    main()
