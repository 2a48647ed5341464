"""The fuzz test's world: a seeded app, one browser per role, and Hypothesis strategies."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage
from werkzeug.routing import Rule

from recruit import create_app
from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    DeliveryStatus,
    Role,
    Vacancy,
    VacancyStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from recruit.monitoring import report_jobs
from recruit.monitoring.report_jobs import request_report
from recruit.uploads import check_upload, store_upload
from testkit.documents import (
    docx_bytes,
    docx_declaring_size,
    exe_bytes,
    pdf_bytes,
    plain_zip_bytes,
)
from testkit.factories import Factory
from testkit.forms import CSRF_RE, submit
from tests.conftest import base_config
from tests.support.clients import ClosingClient
from tests.support.fuzz_forms import FormData, complete, post_forms

ROLES = ("anonymous", "candidate", "other_candidate", "recruiter", "admin", "panel", "equality")
# Logging out would end the role's session half way; anonymous browsers may try it.
SESSION_ENDING = {"auth.logout"}
NAME_RE = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')
INPUT_RE = re.compile(r"<input\b[^>]*>")
NAME_ATTR_RE = re.compile(r'\bname="([^"]+)"')
VALUE_RE = re.compile(r'<(?:option|input)\b[^>]*\bvalue="([^"]{0,80})"')
QUERY_KEYS = ["page", "q", "theme", "sector", "status", "next", "vacancy", "sort", "order", "view"]
SPECIALS = [
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\x00",
    "a\x00b",
    "line\r\nBcc: victim@example.org",
    "\r\n\r\n",
    "' OR '1'='1' --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "../../../../etc/passwd",
    "%00%0d%0a",
    "\u202e\ufeff\u200b",
    "9" * 40,
    "-1",
    "0",
    "1e309",
    "NaN",
    "2026-02-30T25:61",
    "\ud7ff\U0010ffff",
    "²",
    "①",
    "¹²",
    "٣",
    "３",
]
# Digits of other forms and scripts. `str.isdigit()` accepts the superscript and circled ones,
# which `int()` refuses (a 500 wherever one guards the other); `int()` reads the Arabic-Indic,
# Persian, Devanagari, fullwidth and mathematical ones, which the pages never ask for.
UNICODE_DIGITS = (
    "⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₉①②③⑨⑩⑫⑳⓪"  # superscript, subscript, circled
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"  # Arabic-Indic, Persian
    "०१२३४५६७८९０１２３４５６７８９𝟎𝟏𝟐𝟗"  # Devanagari, fullwidth, mathematical bold
    "Ⅻ½三"  # numeric but not digits
)
# Integers at the edges of what the database, Python and the converters accept.
BOUNDARY_INTS = [0, 1, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 10**30]
FILE_NAMES = [
    "cv.pdf",
    "cv.docx",
    "CV.PDF",
    "../../etc/x.pdf",
    "cv.exe",
    "a\x00.pdf",
    "",
    "x" * 300,
]


@dataclass
class World:
    """The app, the real ids to aim at, and what the pages taught us about their forms."""

    app: Flask
    browsers: dict[str, FlaskClient]
    tokens: dict[str, str]
    ids: dict[str, list[Any]]
    field_names: set[str] = field(default_factory=set)
    values: set[str] = field(default_factory=set)
    file_fields: dict[str, set[str]] = field(default_factory=dict)
    forms: dict[str, list[FormData]] = field(default_factory=dict)


def build_app(instance: Path) -> Flask:
    """A SQLite app without rate limits (so requests reach the views), exceptions propagated."""
    config = {**base_config(instance), "RATELIMIT_ENABLED": False, "PROPAGATE_EXCEPTIONS": True}
    app = create_app(config)
    app.test_client_class = ClosingClient
    with app.app_context():
        db.create_all()
    return app


def attach_cv(app: Flask, application_id: int, owner_id: int) -> None:
    """Give an application a real stored PDF."""
    with app.app_context():
        upload = FileStorage(io.BytesIO(pdf_bytes()), "cv.pdf")
        application = db.session.get(Application, application_id)
        assert application is not None
        application.cv_file = store_upload(upload, check_upload(upload), owner_id)
        db.session.commit()


def seed_data(app: Flask) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """Users of every role, vacancies in every state, applications, a panel, scores."""
    make = Factory(app)
    users = {
        "candidate": make.candidate(),
        "other_candidate": make.candidate(),
        "recruiter": make.recruiter(),
        "admin": make.admin(),
        "panel": make.user(Role.PANEL),
        "equality": make.user(Role.EQUALITY),
    }
    staff = (users["recruiter"].id,)
    vacancies = [
        make.vacancy(recruiter_ids=staff),
        make.vacancy(recruiter_ids=staff, status=VacancyStatus.DRAFT),
        make.vacancy(recruiter_ids=staff, status=VacancyStatus.CLOSED, closes_in=-timedelta(1)),
        make.vacancy(title="Head of Trade"),
    ]
    open_one = vacancies[0]
    mine = make.application(users["candidate"].id, open_one.id)
    theirs = make.application(users["other_candidate"].id, open_one.id)
    draft = make.application(users["candidate"].id, vacancies[3].id, status=ApplicationStatus.DRAFT)
    attach_cv(app, mine.id, users["candidate"].id)
    make.assign_panel(open_one.id, users["panel"].id)
    make.scores(mine.id, users["panel"].id, {c.id: 3 for c in open_one.criteria})
    ids: dict[str, list[Any]] = {
        "application_id": [mine.id, theirs.id, draft.id],
        "vacancy_id": [v.id for v in vacancies],
        "reference": [v.reference for v in vacancies],
        "outbox_id": [1],
        "export_id": [make.export(open_one.id, users["recruiter"].id).id, 999_999],
        "token": ["not-a-real-token"],
        "access_request_id": [make.access_pack(users["candidate"].id).id, 999_999],
        "report_id": [ready_report(app, open_one.id), 999_999],
    }
    endpoint_id, delivery_id = webhook_log(app)
    ids |= {"endpoint_id": [endpoint_id, 999_999], "delivery_id": [delivery_id, 999_999]}
    return users, ids


def webhook_log(app: Flask) -> tuple[int, int]:
    """A webhook endpoint with one delivery in its log; their ids."""
    with app.app_context():
        endpoint = WebhookEndpoint(url="https://93.184.215.14/h", secret="s", secret_prefix="s")
        event = WebhookEvent(type="export.ready", data={})
        db.session.add_all([endpoint, event])
        db.session.flush()
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id, event_id=event.id, status=DeliveryStatus.FAILED
        )
        db.session.add(delivery)
        db.session.commit()
        return endpoint.id, delivery.id


def ready_report(app: Flask, vacancy_id: int) -> int:
    """A finished equal-opportunities report CSV for the vacancy, its file on disk."""
    with app.app_context():
        job = request_report(db.session.get(Vacancy, vacancy_id))
        db.session.commit()
        path = report_jobs.build(job)
        report_jobs.finish(job, path)
        db.session.commit()
        return job.id


def open_browsers(app: Flask, users: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """One logged-in browser per role (and an anonymous one) with its reusable CSRF token."""
    browsers, tokens = {}, {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            user = users[role]
            response = submit(client, "/login", {"email": user.email, "password": user.password})
            assert response.status_code == 302
        page = client.get("/login" if role == "anonymous" else "/").get_data(as_text=True)
        browsers[role], tokens[role] = client, CSRF_RE.findall(page)[0]
    return browsers, tokens


def fuzz_rules(app: Flask) -> list[Rule]:
    """Every route but static files."""
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def fill(rule: Rule, values: dict[str, Any]) -> str:
    """The URL of `rule` with its arguments replaced, each quoted as a path segment."""
    path = rule.rule
    for name in rule.arguments:
        placeholder = re.search(rf"<(?:[^:<>]+:)?{name}>", path)
        if placeholder is None and name in (rule.defaults or {}):
            continue  # a default of this rule (e.g. the all-vacancies report), not in its path
        assert placeholder is not None
        path = path.replace(placeholder.group(0), quote(str(values[name]), safe=""))
    return path


def learn(world: World) -> int:
    """GET every page as every role with real ids; learn field names, values, files, forms."""
    sent = 0
    variants = max(len(v) for v in world.ids.values())
    for client in world.browsers.values():
        for rule in fuzz_rules(world.app):
            if "GET" not in (rule.methods or set()):
                continue
            for i in range(variants if rule.arguments else 1):
                url = fill(rule, {k: v[i % len(v)] for k, v in world.ids.items()})
                html = client.get(url).get_data().decode("utf-8", "replace")
                study(world, rule.endpoint, html, url)
                sent += 1
    world.field_names.discard("csrf_token")
    world.values -= set(world.tokens.values())
    world.forms = complete(world.forms)
    return sent


def study(world: World, endpoint: str, html: str, url: str) -> None:
    """Remember the field names, offered values, file inputs and whole forms of one page."""
    world.field_names.update(NAME_RE.findall(html))
    for target, data in post_forms(html, url, world.app.url_map.bind("localhost")):
        known = world.forms.setdefault(target, [])
        if data not in known:
            known.append(data)
    world.values.update(VALUE_RE.findall(html))
    tags = [tag for tag in INPUT_RE.findall(html) if 'type="file"' in tag]
    files = {name for tag in tags for name in NAME_ATTR_RE.findall(tag)}
    if files:
        world.file_fields.setdefault(endpoint, set()).update(files)


def number_like() -> st.SearchStrategy[str]:
    """Whole numbers in any digits, ASCII or not, mixed, sometimes signed or padded."""
    # Other digits first: Hypothesis leans towards the first of a sample.
    digits = st.text(st.sampled_from(UNICODE_DIGITS + "0123456789"), min_size=1, max_size=6)
    padded = st.builds(
        lambda pad, sign, body: f"{pad}{sign}{body}{pad}",
        st.sampled_from(["", "", " ", "\u3000"]),
        st.sampled_from(["", "", "", "-", "+"]),
        digits,
    )
    return st.one_of(digits, padded)


def text_values(known: list[str]) -> st.SearchStrategy[str]:
    """Form and query values: unicode, control characters, formulas, huge, numeric, real."""
    repeated = st.builds(
        lambda unit, count: unit * count,
        st.sampled_from(["a", "é", "\x00", "=", " ", "ab\r\n", "9"]),
        st.integers(1, 70_000),
    )
    return st.one_of(
        st.text(max_size=40),
        st.text(st.characters(codec="utf-8"), max_size=400),
        st.sampled_from(SPECIALS),
        number_like(),
        st.integers(-(2**70), 2**70).map(str),
        st.sampled_from(BOUNDARY_INTS).map(lambda n: str(n if n % 2 else -n)),
        st.sampled_from(BOUNDARY_INTS).map(str),
        st.sampled_from(known),
        repeated,
    )


@cache  # building the documents costs more than sending them
def upload_bodies() -> st.SearchStrategy[bytes]:
    """Real, truncated and hostile documents, and random bytes."""
    samples = [
        pdf_bytes(),
        pdf_bytes()[:40],
        docx_bytes(),
        docx_bytes()[:200],
        docx_declaring_size(),
        docx_bytes(extra_entries=1001),
        plain_zip_bytes(),
        exe_bytes(),
        b"",
    ]
    return st.one_of(st.sampled_from(samples), st.binary(max_size=4096))
