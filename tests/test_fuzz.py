"""Fuzzing: thousands of generated requests to every route, as every role, and never a 5xx.

Hypothesis draws the route, its path arguments (real ids and references, or random ones), a
query string, and for POST a form (with the session's real CSRF token nine times in ten): two
times in three, where the route's page has one, the real form with one to three values changed
(a number mostly for another number, in any digits); otherwise the names the pages really use
plus random ones. Values are unicode, control characters, NUL bytes, formula strings, numbers
in ASCII, superscript, circled, Arabic-Indic, fullwidth and other digits, and 70,000-character
strings; upload routes get multipart bodies with real, truncated and hostile documents. Runs on
SQLite only, derandomised, without rate limits, so it is reproducible and reaches the views.
"""

from __future__ import annotations

import io
import logging
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
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
    number_like,
    open_browsers,
    seed_data,
    text_values,
    upload_bodies,
)
from tests.support.logs import Capture

EXAMPLES_PER_ROLE = 850
# Three tests of two roles each, so pytest-xdist can spread them over the cores; each test seeds
# its own app and learns its pages (a few seconds), then sends 1,700 requests.
GROUPS = [
    ("anonymous", "recruiter"),
    ("candidate", "admin"),
    ("other_candidate", "panel", "equality"),
]
ODD_METHODS = ["PUT", "DELETE", "PATCH"]


@dataclass
class Tally:
    """Requests sent, statuses seen, and every server error with what caused it."""

    per_role: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    whole_forms: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    """One generated request."""

    method: str
    url: str
    query: dict[str, str]
    data: dict[str, Any]
    multipart: bool
    whole_form: bool = False


@dataclass(frozen=True)
class Plan:
    """What one role's requests are drawn from, built once (building costs more than drawing)."""

    targets: st.SearchStrategy[tuple[Rule, str]]
    paths: dict[str, st.SearchStrategy[Any]]
    query: st.SearchStrategy[dict[str, Any]]
    fields: st.SearchStrategy[dict[str, Any]]
    values: st.SearchStrategy[str]
    numbers: st.SearchStrategy[str]


def targets(world: World, role: str) -> list[tuple[Rule, str]]:
    """Every (route, method) pair this role may send; twice for POSTs to a page's form."""
    pairs = []
    for rule in fuzz_rules(world.app):
        if role != "anonymous" and rule.endpoint in SESSION_ENDING:
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            pairs.append((rule, method))
            if method == "POST" and rule.endpoint in world.forms:
                pairs.append((rule, method))  # parsing input happens behind these
    return pairs


def path_values(world: World, name: str) -> st.SearchStrategy[Any]:
    """Real ids and references mostly, random integers and text otherwise."""
    real = world.ids.get(name, ["x"])
    numbers = st.one_of(st.integers(0, 2**64), st.sampled_from(BOUNDARY_INTS))
    chaos = numbers if name.endswith("_id") else st.text(min_size=1, max_size=80)
    return st.one_of(st.sampled_from(real), st.sampled_from(real), chaos)


def plan_for(world: World, role: str) -> Plan:
    """The strategies `role` draws its requests from."""
    values = text_values(sorted(world.values) + [str(i) for i in world.ids["vacancy_id"]])
    names = st.one_of(st.sampled_from(sorted(world.field_names)), st.text(min_size=1, max_size=12))
    keys = st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=10))
    arguments = {name for rule in fuzz_rules(world.app) for name in rule.arguments}
    return Plan(
        targets=st.sampled_from(targets(world, role)),
        paths={name: path_values(world, name) for name in arguments},
        query=st.dictionaries(keys, text_values(sorted(world.values)), max_size=4),
        fields=st.dictionaries(names, st.one_of(values, st.lists(values, max_size=3)), max_size=8),
        values=values,
        # A field the page fills with a number gets other digits most of the time.
        numbers=st.one_of(number_like(), number_like(), number_like(), values),
    )


def is_number(value: object) -> bool:
    """Whether a form's own value is a whole number (a day, a year, an id, a word limit)."""
    return isinstance(value, str) and value.strip().isascii() and value.strip().isdigit()


def whole_form(plan: Plan, base: dict[str, Any], draw: Any) -> dict[str, Any]:
    """A form the page really offers with one to three values changed, or one left out."""
    data = dict(base)
    if not data:
        return data
    chosen = draw(st.lists(st.sampled_from(sorted(data)), min_size=1, max_size=3, unique=True))
    numbers = sorted(name for name, value in data.items() if is_number(value))
    if numbers and draw(st.integers(0, 3)) > 0:  # parsing goes wrong on numbers: aim at them
        chosen.append(draw(st.sampled_from(numbers)))
    for name in dict.fromkeys(chosen):
        if draw(st.integers(0, 9)) == 0:
            del data[name]
        else:
            data[name] = draw(plan.numbers if is_number(data[name]) else plan.values)
    return data


def form_data(
    world: World, role: str, rule: Rule, plan: Plan, draw: Any
) -> tuple[dict[str, Any], bool, bool]:
    """A changed real form or generated fields, the CSRF token mostly, a file where one fits."""
    real = world.forms.get(rule.endpoint, [])
    whole = bool(real) and draw(st.integers(0, 2)) > 0
    data = whole_form(plan, draw(st.sampled_from(real)), draw) if whole else draw(plan.fields)
    if draw(st.integers(0, 9)) > 0:
        data["csrf_token"] = world.tokens[role]
    file_fields = sorted(world.file_fields.get(rule.endpoint, set()))
    wants_file = draw(st.booleans()) if file_fields else draw(st.integers(0, 9)) == 0
    if wants_file:
        name = draw(st.sampled_from(file_fields or ["cv", "file"]))
        body = draw(upload_bodies())
        filename = draw(st.one_of(st.sampled_from(FILE_NAMES), st.text(max_size=40)))
        data[name] = (body, filename)
    return data, wants_file, whole


def draw_request(world: World, role: str, plan: Plan, draw: Any) -> Request:
    """A whole request for `role`."""
    rule, method = draw(plan.targets)
    if draw(st.integers(0, 49)) == 0:
        method = draw(st.sampled_from(ODD_METHODS))
    url = fill(rule, {name: draw(plan.paths[name]) for name in rule.arguments})
    query = draw(plan.query)
    if method == "GET":
        return Request(method, url, query, {}, False)
    data, multipart, whole = form_data(world, role, rule, plan, draw)
    return Request(method, url, query, data, multipart, whole)


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
    tally.whole_forms += request.whole_form
    if status >= 500:
        fields = {k: repr(v)[:200] for k, v in request.data.items()}
        tally.errors.append(
            f"{role} {request.method} {request.url} query={request.query!r}"
            f" fields={fields} -> {status}\n{detail}"
        )


def fuzz_role(world: World, role: str, tally: Tally) -> None:
    """EXAMPLES_PER_ROLE generated requests as `role`, reproducibly (a fixed seed per role)."""
    plan = plan_for(world, role)

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
        send(world, role, draw_request(world, role, plan, data.draw), tally)

    one()


def still_logged_in(world: World, role: str) -> bool:
    """Whether the role's browser kept its session through the fuzzing."""
    response = world.browsers[role].get("/applications")
    return response.status_code != 302 or "/login" not in response.headers["Location"]


def test_the_groups_send_five_thousand_requests_as_every_role() -> None:
    assert sorted(role for group in GROUPS for role in group) == sorted(ROLES)
    assert EXAMPLES_PER_ROLE * len(ROLES) >= 5000


@pytest.mark.parametrize("roles", GROUPS, ids="+".join)
def test_no_route_answers_5xx_to_anything(tmp_path: Path, roles: tuple[str, ...]) -> None:
    app = build_app(tmp_path / "instance")
    users, ids = seed_data(app)
    browsers, tokens = open_browsers(app, users)
    world = World(app, browsers, tokens, ids)
    learned = learn(world)
    tally, events = Tally(), Capture()
    logging.getLogger("recruit").addHandler(events)
    try:
        for role in roles:
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
    print(f"fuzz: {tally.whole_forms} real forms sent changed ({len(world.forms)} routes' forms)")
    print(f"fuzz: per role {dict(tally.per_role)}")
    print(f"fuzz: statuses {dict(sorted(tally.statuses.items()))}")
    print(f"fuzz: {len(world.field_names)} field names learned, file fields {world.file_fields}")
    print(f"fuzz: out-of-range input answered 400 by recruit.web: {dict(refused)}")
    assert sent == EXAMPLES_PER_ROLE * len(roles)
    assert not tally.errors, f"{len(tally.errors)} server errors; first:\n{tally.errors[0]}"
    assert all(still_logged_in(world, role) for role in roles if role != "anonymous")
