"""Fuzzing: thousands of generated requests to every route, as every role, and never a 5xx.

Hypothesis draws the route, its path arguments (real ids and references, or random ones), a
query string, and for POST a form (with the session's real CSRF token nine times in ten) whose
fields are the names the pages really use plus random ones, filled with unicode, control
characters, NUL bytes, formula strings, numbers and 70,000-character strings; upload routes get
multipart bodies with real, truncated and hostile documents. Runs on SQLite only, derandomised,
without rate limits, so it is reproducible and reaches the views.
"""

from __future__ import annotations

import io
import logging
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from tests.support.fuzz import (
    BOUNDARY_INTS,
    FILE_NAMES,
    QUERY_KEYS,
    ROLES,
    SESSION_ENDING,
    World,
    build_app,
    fill,
    fuzz_rules,
    learn,
    open_browsers,
    seed_data,
    text_values,
    upload_bodies,
)
from tests.support.logs import Capture

EXAMPLES_PER_ROLE = 360
ODD_METHODS = ["PUT", "DELETE", "PATCH"]


@dataclass
class Tally:
    """Requests sent, statuses seen, and every server error with what caused it."""

    per_role: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    """One generated request."""

    method: str
    url: str
    query: dict[str, str]
    data: dict[str, Any]
    multipart: bool


def targets(world: World, role: str) -> list[tuple[Rule, str]]:
    """Every (route, method) pair this role may send."""
    pairs = []
    for rule in fuzz_rules(world.app):
        if role != "anonymous" and rule.endpoint in SESSION_ENDING:
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            pairs.append((rule, method))
    return pairs


def path_values(world: World, rule: Rule, draw: Any) -> dict[str, Any]:
    """Real ids and references mostly, random integers and text otherwise."""
    values = {}
    for name in rule.arguments:
        real = world.ids.get(name, ["x"])
        numbers = st.one_of(st.integers(0, 2**64), st.sampled_from(BOUNDARY_INTS))
        chaos = numbers if name.endswith("_id") else st.text(min_size=1, max_size=80)
        values[name] = draw(st.one_of(st.sampled_from(real), st.sampled_from(real), chaos))
    return values


def form_data(world: World, role: str, rule: Rule, draw: Any) -> tuple[dict[str, Any], bool]:
    """Generated fields, the CSRF token most of the time, and a file where one fits."""
    values = text_values(sorted(world.values) + [str(i) for i in world.ids["vacancy_id"]])
    names = st.one_of(st.sampled_from(sorted(world.field_names)), st.text(min_size=1, max_size=12))
    data: dict[str, Any] = draw(
        st.dictionaries(names, st.one_of(values, st.lists(values, max_size=3)), max_size=8)
    )
    if draw(st.integers(0, 9)) > 0:
        data["csrf_token"] = world.tokens[role]
    file_fields = sorted(world.file_fields.get(rule.endpoint, set()))
    wants_file = draw(st.booleans()) if file_fields else draw(st.integers(0, 9)) == 0
    if wants_file:
        name = draw(st.sampled_from(file_fields or ["cv", "file"]))
        body = draw(upload_bodies())
        filename = draw(st.one_of(st.sampled_from(FILE_NAMES), st.text(max_size=40)))
        data[name] = (body, filename)
    return data, wants_file


def draw_request(world: World, role: str, draw: Any) -> Request:
    """A whole request for `role`."""
    rule, method = draw(st.sampled_from(targets(world, role)))
    if draw(st.integers(0, 49)) == 0:
        method = draw(st.sampled_from(ODD_METHODS))
    url = fill(rule, path_values(world, rule, draw))
    keys = st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=10))
    query = draw(st.dictionaries(keys, text_values(sorted(world.values)), max_size=4))
    data, multipart = form_data(world, role, rule, draw) if method != "GET" else ({}, False)
    return Request(method, url, query, data, multipart)


def send(world: World, role: str, request: Request, tally: Tally) -> None:
    """Send it; count the status; keep the details of any server error."""
    data = {
        k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in request.data.items()
    }
    content_type = "multipart/form-data" if request.multipart else None
    try:
        response = world.browsers[role].open(
            request.url,
            method=request.method,
            query_string=request.query,
            data=data,
            content_type=content_type,
        )
        status, detail = response.status_code, ""
        response.close()
    except Exception:
        status, detail = 500, traceback.format_exc()
    tally.per_role[role] += 1
    tally.statuses[status] += 1
    if status >= 500:
        fields = {k: repr(v)[:200] for k, v in request.data.items()}
        tally.errors.append(
            f"{role} {request.method} {request.url} query={request.query!r}"
            f" fields={fields} -> {status}\n{detail}"
        )


def fuzz_role(world: World, role: str, tally: Tally) -> None:
    """EXAMPLES_PER_ROLE generated requests as `role`, reproducibly (a fixed seed per role)."""

    @seed(ROLES.index(role))
    @settings(
        max_examples=EXAMPLES_PER_ROLE,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def one(data: st.DataObject) -> None:
        send(world, role, draw_request(world, role, data.draw), tally)

    one()


def still_logged_in(world: World, role: str) -> bool:
    """Whether the role's browser kept its session through the fuzzing."""
    response = world.browsers[role].get("/applications")
    return response.status_code != 302 or "/login" not in response.headers["Location"]


def test_no_route_answers_5xx_to_anything(tmp_path: Path) -> None:
    app = build_app(tmp_path / "instance")
    users, ids = seed_data(app)
    browsers, tokens = open_browsers(app, users)
    world = World(app, browsers, tokens, ids)
    learned = learn(world)
    tally, events = Tally(), Capture()
    logging.getLogger("recruit").addHandler(events)
    try:
        for role in ROLES:
            fuzz_role(world, role, tally)
    finally:
        logging.getLogger("recruit").removeHandler(events)
    sent = sum(tally.per_role.values())
    refused = Counter(
        f"{r.endpoint}: {r.error}"  # type: ignore[attr-defined]
        for r in events.records
        if getattr(r, "event", "") == "bad_input"
    )
    print(f"\nfuzz: {sent} generated requests (+{learned} discovery GETs)")
    print(f"fuzz: per role {dict(tally.per_role)}")
    print(f"fuzz: statuses {dict(sorted(tally.statuses.items()))}")
    print(f"fuzz: {len(world.field_names)} field names learned, file fields {world.file_fields}")
    print(f"fuzz: out-of-range input answered 400 by recruit.web: {dict(refused)}")
    assert sent >= 2000
    assert not tally.errors, f"{len(tally.errors)} server errors; first:\n{tally.errors[0]}"
    assert all(still_logged_in(world, role) for role in ROLES if role != "anonymous")
