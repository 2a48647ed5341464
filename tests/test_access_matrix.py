"""Access control, route by route: every endpoint in `app.url_map` has a rule, and every rule holds.

`ACCESS` is the table (ASVS V8.2.1, V8.2.2, V8.3.1). Each route runs, with each method it
accepts, as the owner of the objects its path names, another candidate, an assigned and an
unassigned panel member, the vacancy's recruiter, another recruiter, an admin and an anonymous
visitor; POSTs carry a valid CSRF token from the same session and the form an allowed user
would send. A role the rule refuses must be refused (403/404, or the login page), change
nothing in the database and read none of the owner's private data; the test counts cross-user
reads and writes and requires none. Below it: mass assignment (ASVS V15.3.3).
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, Role, User, Vacancy, VacancyStatus
from testkit.documents import pdf_bytes
from testkit.factories import Factory
from testkit.forms import submit
from tests.conftest import AppFactory
from tests.support.access import (
    ADMIN,
    ADMIN_ONLY,
    ANONYMOUS,
    ANONYMOUS_OK,
    ASSESSOR,
    ASSESSOR_VACANCY,
    CANDIDATE_ANY,
    CANDIDATE_OWN,
    CANDIDATE_SELF,
    CV,
    EQUALITY_REPORTS,
    EXPORT,
    IDENTITY,
    OWNER,
    PANEL_ASSIGNED,
    PANEL_OTHER,
    PUBLIC,
    RECRUITER,
    RECRUITER_OF_VACANCY,
    RECRUITER_OTHER,
    ROLES,
    STAFF,
    STAFF_VACANCY,
    STATEMENT,
    TEAM_RECRUITER,
    TEAM_STAFF,
    TEAM_VACANCY,
    TOKEN,
    Access,
    Browser,
    People,
    Route,
    World,
    application_traces,
    build_world,
    changes_vacancy,
    database_rows,
    leaked,
    make_people,
    outcome_of,
    touches_applications,
    wipe_world,
    world_is_sound,
)
from tests.support.accounts import log_in
from tests.support.monitoring import full_answers
from tests.support.portal import send_application
from tests.support.rows import user_row


def vacancy_form(**overrides: Any) -> dict[str, Any]:
    """A complete, valid vacancy form (the criteria match the factory's, so edits are allowed)."""
    form: dict[str, Any] = {
        "title": "Director of Connectivity",
        "summary": "Lead connectivity across the Midlands.",
        "description": "A senior leadership role.",
        "location": "Nottingham (hybrid)",
        "salary_band": "£95,000 to £110,000",
        "contract_type": "permanent",
        "themes": ["connectivity"],
        "sectors": ["next-generation-transport"],
        "essential_criteria": "Leadership of a regional transport programme",
        "desirable_criteria": "Experience of rail investment cases",
        "statement_word_limit": "1000",
        "anonymised_sift": "y",
        "closing_day": "12",
        "closing_month": "12",
        "closing_year": str(datetime.now(UTC).year + 1),
        "closing_time": "17:00",
    }
    form.update(overrides)
    return form


def _answers(w: World, _: People) -> dict[str, Any]:
    data: dict[str, Any] = {"statement": "Someone else's words", "action": "save"}
    data.update({f"evidence_{c}": "Evidence" for c in w.criterion_ids})
    return data


def _scores(w: World, _: People) -> dict[str, Any]:
    data: dict[str, Any] = {"action": "submit"}
    for c in w.criterion_ids:
        data[f"score_{c}"], data[f"comment_{c}"] = "3", "Sound evidence"
    return data


def _agreed(w: World, _: People) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for c in w.criterion_ids:
        data[f"agreed_{c}"], data[f"note_{c}"] = "3", "Agreed at moderation"
    return data


def _selection(w: World, _: People) -> dict[str, Any]:
    return {"application_ids": [w.application_id], "vacancy_id": w.vacancy_id}


@dataclass(frozen=True)
class BearerOnly(Access):
    """API routes behind a personal access token: the session cookie authorises nothing there,
    so every browser, signed in or not, gets 401 (tests/test_api_access.py runs them with
    tokens)."""

    def expected(self, role: str) -> str:
        """401 for everyone: no role's session is a bearer token."""
        return "401"


BEARER_ONLY = BearerOnly("BEARER_ONLY", frozenset())


# Every endpoint and its rule. A route missing here fails `test_every_route_has_an_access_rule`.
ACCESS: dict[str, Route] = {
    # Public pages and the health check.
    "portal.index": Route(PUBLIC),
    "portal.vacancies": Route(PUBLIC),
    "portal.vacancy": Route(PUBLIC),
    "auth.check_email": Route(PUBLIC),
    "api.healthz": Route(PUBLIC),
    # The JSON API (issue #14): its document, its docs page and the public vacancy feeds are
    # for everyone; the rest takes a bearer token only.
    "api.openapi": Route(PUBLIC),
    "api.docs": Route(PUBLIC),
    "api_v1.list_vacancies": Route(PUBLIC),
    "api_v1.get_vacancy": Route(PUBLIC),
    "api_v1.vacancies_feed": Route(PUBLIC),
    "api_v1.list_themes": Route(PUBLIC),
    "api_v1.list_sectors": Route(PUBLIC),
    "api_v1.me": Route(BEARER_ONLY),
    "api_v1.revoke_own_token": Route(BEARER_ONLY),
    "api_v1.list_applications": Route(BEARER_ONLY),
    "api_v1.get_application": Route(BEARER_ONLY),
    "api_v1.create_vacancy": Route(BEARER_ONLY),
    "api_v1.get_staff_vacancy": Route(BEARER_ONLY),
    "api_v1.update_vacancy": Route(BEARER_ONLY),
    "api_v1.publish_vacancy": Route(BEARER_ONLY),
    "api_v1.close_vacancy": Route(BEARER_ONLY),
    "api_v1.change_stage": Route(BEARER_ONLY),
    "api_v1.get_scores": Route(BEARER_ONLY),
    "api_v1.get_own_scores": Route(BEARER_ONLY),
    "api_v1.create_own_scores": Route(BEARER_ONLY),
    "api_v1.update_own_scores": Route(BEARER_ONLY),
    "api_v1.request_export": Route(BEARER_ONLY),
    "api_v1.get_export": Route(BEARER_ONLY),
    "api_v1.download_export": Route(BEARER_ONLY),
    "api_v1.list_webhooks": Route(BEARER_ONLY),
    "api_v1.create_webhook": Route(BEARER_ONLY),
    "api_v1.get_webhook": Route(BEARER_ONLY),
    "api_v1.update_webhook": Route(BEARER_ONLY),
    "api_v1.delete_webhook": Route(BEARER_ONLY),
    "api_v1.rotate_webhook_secret": Route(BEARER_ONLY),
    "api_v1.list_webhook_deliveries": Route(BEARER_ONLY),
    "api_v1.redeliver_webhook": Route(BEARER_ONLY),
    # Personal access tokens: recruiters and admins make and revoke their own (admins anyone's;
    # an unknown or someone else's id is refused by the view with a message: a redirect).
    "admin.tokens": Route(
        STAFF, payload=lambda w, p: {"name": "Feed", "scope": "read", "lifetime": "30"}
    ),
    "admin.revoke_token": Route(STAFF, payload=lambda w, p: {"token_id": "1"}),
    # Information pages (issue #11, pages): the privacy notice, accessibility statement and
    # cookies page are for everyone, signed in or not.
    "portal.privacy": Route(PUBLIC),
    "portal.accessibility": Route(PUBLIC),
    "portal.cookies": Route(PUBLIC),
    # Account pages: for anyone, signed in or not.
    "auth.login": Route(ANONYMOUS_OK),
    "auth.register": Route(ANONYMOUS_OK),
    "auth.forgot_password": Route(
        ANONYMOUS_OK, payload=lambda w, p: {"email": "nobody@example.org"}
    ),
    "auth.logout": Route(ANONYMOUS_OK),
    # Email links: the token is the credential; an unknown one is 410 for everyone.
    "auth.verify_email": Route(TOKEN),
    "auth.reset_password": Route(TOKEN, payload=lambda w, p: {"password": "x" * 16}),
    "auth.accept_invite": Route(TOKEN, payload=lambda w, p: {"password": "x" * 16}),
    # Links shaped as before tokens left the path: every one is gone.
    "auth.old_link": Route(TOKEN),
    # The candidate's portal.
    "portal.applications": Route(CANDIDATE_SELF),
    "portal.apply": Route(CANDIDATE_ANY, payload=_answers),
    # "Accept and send" posts nothing but its token: it sends the asker's own draft, if any.
    "portal.check_answers": Route(CANDIDATE_ANY, payload=lambda w, p: {}),
    "portal.submitted": Route(CANDIDATE_OWN),
    "portal.application": Route(CANDIDATE_OWN),
    "portal.withdraw": Route(CANDIDATE_OWN, payload=lambda w, p: {"reason": "Found a job"}),
    "portal.download_cv": Route(CANDIDATE_OWN),
    # Assessors: recruiters, admins and panel members (narrowed to their teams' vacancies).
    "admin.dashboard": Route(ASSESSOR),
    "admin.all_applications": Route(ASSESSOR),
    "admin.vacancy_applications": Route(ASSESSOR_VACANCY),
    "admin.vacancy_board": Route(ASSESSOR_VACANCY),
    "admin.application": Route(ASSESSOR_VACANCY, sees=frozenset({STATEMENT})),
    "admin.score": Route(ASSESSOR_VACANCY, sees=frozenset({STATEMENT}), payload=_scores),
    # The CV exists for staff only once the identity is visible: run with a recorded reveal.
    "admin.download_cv": Route(ASSESSOR_VACANCY, sees=IDENTITY | {STATEMENT}, revealed=True),
    # Recruiters and admins, on any vacancy: the vacancy itself, not its applications.
    "admin.vacancies": Route(STAFF),
    "admin.new_vacancy": Route(STAFF, payload=lambda w, p: vacancy_form()),
    # Hiring teams (issue #11): what reads or changes V1's applications, and V1's team itself,
    # is for V1's team recruiter and admins; R2 gets the 403 page that names who to ask.
    "admin.bulk_action": Route(
        TEAM_RECRUITER, payload=lambda w, p: {**_selection(w, p), "action": "shortlist"}
    ),
    "admin.bulk_unsuccessful": Route(
        TEAM_RECRUITER,
        payload=lambda w, p: {
            **_selection(w, p),
            "subject": "Your application",
            "body": "Dear {first_name}, thank you.",
        },
    ),
    "admin.vacancy": Route(STAFF_VACANCY),
    # Editing, publishing and closing V1: its team recruiter and admins (audited if outside).
    "admin.edit_vacancy": Route(TEAM_VACANCY, payload=lambda w, p: vacancy_form()),
    "admin.publish_vacancy": Route(TEAM_VACANCY),
    "admin.close_vacancy": Route(TEAM_VACANCY),
    "admin.team": Route(TEAM_RECRUITER),
    "admin.add_recruiter": Route(
        TEAM_RECRUITER, payload=lambda w, p: {"recruiter_id": str(p[RECRUITER_OTHER].id)}
    ),
    # R1 is the team's only recruiter, so an allowed removal is refused by the rule: 400.
    "admin.remove_recruiter": Route(
        TEAM_RECRUITER, payload=lambda w, p: {"user_id": str(p[RECRUITER].id)}
    ),
    "admin.panel": Route(TEAM_RECRUITER),
    "admin.assign_panel": Route(
        TEAM_RECRUITER, payload=lambda w, p: {"user_id": str(p[PANEL_OTHER].id)}
    ),
    "admin.remove_panel": Route(
        TEAM_RECRUITER, payload=lambda w, p: {"user_id": str(p[PANEL_ASSIGNED].id)}
    ),
    "admin.move_application": Route(
        TEAM_RECRUITER,
        sees=frozenset({STATEMENT}),
        payload=lambda w, p: {"to_status": "submitted", "note": "Back to the start"},
    ),
    "admin.add_note": Route(
        TEAM_RECRUITER, sees=frozenset({STATEMENT}), payload=lambda w, p: {"body": "A note"}
    ),
    "admin.reveal_identity": Route(
        TEAM_RECRUITER, sees=frozenset({STATEMENT}), payload=lambda w, p: {"reason": "Conflict"}
    ),
    # Only the vacancy's own recruiters (and admins): moderation and exports of personal data.
    "admin.moderate": Route(RECRUITER_OF_VACANCY, sees=frozenset({STATEMENT}), payload=_agreed),
    "admin.exports": Route(
        RECRUITER_OF_VACANCY, payload=lambda w, p: {"fmt": "csv", "which": "all", "stage": ""}
    ),
    "admin.export": Route(RECRUITER_OF_VACANCY),
    "admin.export_status": Route(RECRUITER_OF_VACANCY),
    "admin.download_export": Route(RECRUITER_OF_VACANCY, sees=frozenset({EXPORT})),
    # Admins only.
    "admin.users": Route(ADMIN_ONLY),
    "admin.invite": Route(
        ADMIN_ONLY,
        payload=lambda w, p: {
            "full_name": "New Starter",
            "email": f"starter-{w.export_id}@example.org",
            "role": "recruiter",
        },
    ),
    "admin.outbox": Route(ADMIN_ONLY),
    "admin.retry_outbox": Route(ADMIN_ONLY),
    # Webhooks (issue #14): admins only, every page and button.
    "admin.webhooks": Route(
        ADMIN_ONLY,
        payload=lambda w, p: {"url": "https://93.184.215.14/h", "events": ["export.ready"]},
    ),
    "admin.webhook_endpoint": Route(
        ADMIN_ONLY,
        payload=lambda w, p: {"url": "https://93.184.215.14/h", "events": ["vacancy.closed"]},
    ),
    "admin.rotate_webhook_secret": Route(ADMIN_ONLY),
    "admin.delete_webhook": Route(ADMIN_ONLY),
    "admin.webhook_deliveries": Route(ADMIN_ONLY),
    "admin.redeliver_webhook": Route(ADMIN_ONLY),
    # Subject access and erasure (issue #11): the candidate's account page, their data packs
    # (their own only; another candidate's answers 404) and deleting the account (run with a
    # wrong password, so an allowed request is refused by the form: 400). Admins log requests
    # received by post or email (the list names the people) and download any pack.
    "portal.account": Route(CANDIDATE_SELF),
    # Job alerts (issue #13): a candidate's own list, saving a search and deleting their own
    # alert (another candidate's answers 404). The emailed one-click unsubscribe link is the
    # credential itself (RFC 8058, no session, no CSRF token): an unknown one is 410.
    "portal.alerts_page": Route(CANDIDATE_SELF),
    "portal.save_alert": Route(CANDIDATE_SELF, payload=lambda w, p: {"theme": "skills"}),
    "portal.delete_alert": Route(CANDIDATE_OWN, payload=lambda w, p: {"alert_id": str(w.alert_id)}),
    "portal.alert_unsubscribe": Route(TOKEN),
    "portal.request_data": Route(CANDIDATE_SELF),
    "portal.data_request": Route(CANDIDATE_OWN),
    "portal.download_data": Route(CANDIDATE_OWN),
    "portal.delete_account": Route(
        CANDIDATE_SELF, payload=lambda w, p: {"password": "not the right password"}
    ),
    "admin.access_requests_page": Route(
        ADMIN_ONLY,
        sees=IDENTITY - {CV},
        payload=lambda w, p: {
            "email": p[OWNER].email,
            "channel": "post",
            "received_day": str(datetime.now(UTC).day),
            "received_month": str(datetime.now(UTC).month),
            "received_year": str(datetime.now(UTC).year),
        },
    ),
    "admin.download_access_request": Route(ADMIN_ONLY),
    # Adjustments and the guaranteed interview (issue #11): the candidate asks on their own
    # application; the vacancy's recruiters and admins acknowledge (the world has no request,
    # so an allowed acknowledgement is refused by the form: 400) and read the scheme's report;
    # the report across every vacancy is for admins.
    "portal.request_adjustments": Route(
        CANDIDATE_OWN, payload=lambda w, p: {"adjustments": "Extra time, please"}
    ),
    "admin.acknowledge_adjustment": Route(
        RECRUITER_OF_VACANCY, sees=frozenset({STATEMENT}), payload=lambda w, p: {"request_id": "0"}
    ),
    "admin.vacancy_guarantees": Route(RECRUITER_OF_VACANCY),
    "admin.all_guarantees": Route(ADMIN_ONLY),
    # Retention (issue #11): the purge schedule and receipts, and a vacancy's retention
    # period and legal hold: admins only.
    "admin.retention": Route(ADMIN_ONLY),
    "admin.vacancy_retention": Route(
        ADMIN_ONLY,
        payload=lambda w, p: {
            "retention_months": "12",
            "legal_hold": "yes",
            "legal_hold_reason": "Employment tribunal claim",
        },
    ),
    # Equality monitoring (issue #11): the candidate's own optional form, and the aggregate
    # reports and their CSVs for admins and the equality role only.
    "portal.monitoring": Route(CANDIDATE_OWN, payload=lambda w, p: full_answers()),
    "admin.equality": Route(EQUALITY_REPORTS),
    "admin.equality_vacancy": Route(EQUALITY_REPORTS),
    "admin.equality_csv": Route(EQUALITY_REPORTS),
    "admin.equality_report": Route(EQUALITY_REPORTS),
    "admin.equality_report_status": Route(EQUALITY_REPORTS),
    "admin.equality_report_download": Route(EQUALITY_REPORTS),
}

# What an allowed reader's GET must show, so "nothing leaked" is not just "nothing shown".
MUST_SHOW: dict[str, str] = {
    "portal.application": STATEMENT,
    "portal.download_cv": CV,
    "admin.application": STATEMENT,
    "admin.download_cv": CV,
    "admin.download_export": EXPORT,
}
# PATCH and PUT: the API's updates (a bearer token only; every session cookie gets 401).
METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


def endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


def test_every_route_has_an_access_rule(app: Flask) -> None:
    routes = endpoints(app)
    missing, stale = sorted(routes - ACCESS.keys()), sorted(ACCESS.keys() - routes)
    assert not missing, f"routes with no entry in ACCESS (add one with its rule): {missing}"
    assert not stale, f"entries in ACCESS for routes that no longer exist: {stale}"


def test_no_route_lets_a_recruiter_outside_the_team_change_a_vacancy(app: Flask) -> None:
    """Hiring teams: R2 reads V1's page but must be refused wherever V1 is changed (edited,
    published, reopened, closed, its team changed), so a new vacancy route taking a POST with
    a rule that lets any recruiter in fails here."""
    rules = [r for r in app.url_map.iter_rules() if changes_vacancy(set(r.arguments), r.methods)]
    open_to_r2 = sorted(
        rule.endpoint
        for rule in rules
        if rule.endpoint in ACCESS
        and ACCESS[rule.endpoint].access.expected(RECRUITER_OTHER) == "allowed"
    )
    assert open_to_r2 == [], "routes where a recruiter outside the team changes a vacancy"
    checked = {rule.endpoint for rule in rules}
    assert {"admin.edit_vacancy", "admin.publish_vacancy", "admin.close_vacancy"} <= checked
    assert ACCESS["admin.vacancy"].access.expected(RECRUITER_OTHER) == "allowed"


def test_no_route_lets_a_recruiter_outside_the_team_at_an_application(app: Flask) -> None:
    """Hiring teams: R2 (not on V1's team) must be refused wherever an application is read or
    changed, so a new route with a rule that lets any recruiter in fails here."""
    open_to_r2 = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint in ACCESS
        and touches_applications(rule.endpoint, set(rule.arguments))
        and ACCESS[rule.endpoint].access.expected(RECRUITER_OTHER) == "allowed"
    )
    assert open_to_r2 == [], "routes where a recruiter outside the team reaches an application"
    checked = [r.endpoint for r in app.url_map.iter_rules() if "application_id" in r.arguments]
    assert len(checked) >= 8, "the rule must cover the application pages"


class Matrix:
    """Runs the table and keeps the tally."""

    def __init__(self, app: Flask, make: Factory) -> None:
        self.app, self.make = app, make
        self.people = make_people(make)
        self.browsers = {role: Browser(role, app.test_client()) for role in ROLES}
        for role, browser in self.browsers.items():
            browser.sign_in(None if role == ANONYMOUS else self.people[role])
        self.requests = 0
        self.cross_reads: list[str] = []
        self.cross_writes: list[str] = []
        self.mismatches: list[str] = []
        self.outcomes: Counter[str] = Counter()
        self.routes: set[str] = set()

    def path(self, rule_path: str, world: World) -> str:
        path = rule_path
        for name, value in world.path_values().items():
            for converter in ("", "int:"):
                path = path.replace(f"<{converter}{name}>", str(value))
        assert "<" not in path, f"no sample value for a path argument of {rule_path}"
        return path

    def owner_rows(self, world: World) -> list[Any]:
        """The owner's account and application as stored: what nobody else may change."""
        with self.app.app_context():
            found = db.session.get(Application, world.application_id)
            user = db.session.get(User, self.people[OWNER].id)
            assert found is not None and user is not None
            rows = [
                (user.email, user.full_name, user.role, user.password_hash, user.is_disabled),
                (found.candidate_id, found.vacancy_id, found.status, found.statement),
                (found.cv_file_id, [(e.criterion_id, e.text) for e in found.evidence]),
            ]
            db.session.rollback()
            return rows

    def run(self, endpoint: str, rule_path: str, method: str) -> None:
        route = ACCESS[endpoint]
        wipe_world(self.app)
        world = build_world(self.app, self.make, self.people, revealed=route.revealed)
        world_is_sound(self.app, world, self.people)
        path = self.path(rule_path, world)
        # Refused roles first: what an allowed write changes must not hide what they could do.
        order = sorted(ROLES, key=lambda r: route.access.expected(r) == "allowed")
        for role in order:
            self.one(endpoint, route, method, path, world, role)
        self.routes.add(endpoint)

    def one(
        self, endpoint: str, route: Route, method: str, path: str, world: World, role: str
    ) -> None:
        expected = route.access.expected(role)
        data = route.payload(world, self.people) if route.payload and method == "POST" else {}
        before = database_rows(self.app) if method != "GET" else None
        owner_before = self.owner_rows(world) if method != "GET" else None
        browser = self.browsers[role]
        if method in ("PATCH", "PUT", "DELETE"):
            response = browser.client.open(
                path, method=method, data={**data, "csrf_token": browser.token}
            )
        else:
            response = browser.send(method, path, data)
        self.requests += 1
        actual = outcome_of(response)
        self.outcomes[actual] += 1
        where = f"{method} {endpoint} as {role}"
        refused = expected != "allowed"
        if actual != expected:
            self.mismatches.append(f"{where}: expected {expected}, got {response.status_code}")
            if refused and actual == "allowed" and expected != "410":
                (self.cross_reads if method == "GET" else self.cross_writes).append(
                    f"{where}: answered {response.status_code}"
                )
        # The owner may always read their own data (their name is in every page's header).
        may_see = route.sees if not refused else frozenset()
        if role == OWNER:
            may_see = frozenset(world.markers) - {EXPORT}
        if found := leaked(response.data, world, may_see):
            self.cross_reads.append(f"{where}: the body holds the owner's {', '.join(found)}")
        # Hiring teams: R2 is on no team of V1, so no answer to them may show its application.
        if role == RECRUITER_OTHER and any(t in response.data for t in application_traces(world)):
            self.cross_reads.append(f"{where}: a recruiter outside the team got the application")
        kind = MUST_SHOW.get(endpoint, "")
        reader = method == "GET" and not refused and (role == OWNER or kind in route.sees)
        if kind and reader and world.markers[kind].encode() not in response.data:
            self.mismatches.append(f"{where}: the allowed reader did not get the {kind}")
        if before is not None and refused and database_rows(self.app) != before:
            self.cross_writes.append(f"{where}: a refused request changed the database")
        # Whoever may not write the owner's objects (even where the route lets them in, such
        # as another candidate applying to the same vacancy) must leave them as they were.
        privileged = role == OWNER or role in TEAM_STAFF
        if owner_before is not None and not privileged and self.owner_rows(world) != owner_before:
            self.cross_writes.append(f"{where}: the owner's account or application changed")
        if endpoint == "auth.logout" and role != ANONYMOUS:
            self.browsers[role].sign_in(self.people[role])


def test_access_matrix(app_factory: AppFactory, backend: str) -> None:
    # Rate limits off: the matrix posts to login, registration and reset many times on purpose.
    app = app_factory(RATELIMIT_ENABLED=False)
    matrix = Matrix(app, Factory(app))
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"),
        key=lambda r: (r.endpoint == "auth.logout", r.endpoint),
    )
    for rule in rules:
        for method in METHODS:
            if method in (rule.methods or set()):
                matrix.run(rule.endpoint, rule.rule, method)

    print(
        f"\naccess matrix ({backend}): {len(matrix.routes)} routes x {len(ROLES)} roles, "
        f"{matrix.requests} requests; outcomes {dict(sorted(matrix.outcomes.items()))}; "
        f"cross-user reads {len(matrix.cross_reads)}, writes {len(matrix.cross_writes)}"
    )
    assert matrix.routes == endpoints(app)
    assert not matrix.cross_reads, "cross-user reads:\n" + "\n".join(matrix.cross_reads)
    assert not matrix.cross_writes, "cross-user writes:\n" + "\n".join(matrix.cross_writes)
    assert not matrix.mismatches, "answers unlike the table:\n" + "\n".join(matrix.mismatches)


def test_in_an_anonymised_sift_no_assessor_sees_who_the_candidate_is(
    app_factory: AppFactory,
) -> None:
    """Without a reveal, the owner's name, email and CV stay hidden from every assessor page."""
    app = app_factory(RATELIMIT_ENABLED=False)
    make = Factory(app)
    people = make_people(make)
    world = build_world(app, make, people)
    pages = [
        "/admin/",
        "/admin/applications",
        f"/admin/vacancies/{world.vacancy_id}/applications",
        f"/admin/applications/{world.application_id}",
        f"/admin/applications/{world.application_id}/score",
        f"/admin/applications/{world.application_id}/moderate",
    ]
    for role in (PANEL_ASSIGNED, RECRUITER, ADMIN):
        browser = Browser(role, app.test_client())
        browser.sign_in(people[role])
        for page in pages:
            response = browser.client.get(page)
            assert response.status_code in (200, 403), f"{page} as {role}"
            assert not leaked(response.data, world, frozenset({STATEMENT})), f"{page} as {role}"
        cv = browser.client.get(f"/admin/applications/{world.application_id}/cv")
        assert cv.status_code == 404, f"the CV of an anonymous candidate, as {role}"


# Mass assignment: fields a form does not declare are never copied onto a row.
SMUGGLED = {
    "status": "appointed",
    "role": "admin",
    "candidate_id": "1",
    "owner_id": "1",
    "user_id": "1",
    "vacancy_id": "1",
    "is_disabled": "true",
    "email_verified_at": "2020-01-01T00:00:00",
    "created_by_id": "1",
    "id": "1",
}


def test_registration_ignores_smuggled_fields(app: Flask, make: Factory) -> None:
    client = app.test_client()
    email = "new.candidate@example.org"
    form = {**SMUGGLED, "full_name": "Nia New", "email": email, "password": "violet lantern 42"}
    response = submit(client, "/register", form)
    assert response.status_code == 302
    user = user_row(app, email)
    assert user.role is Role.CANDIDATE
    assert user.email_verified_at is None and user.is_disabled is False


@pytest.mark.parametrize("action", ["save", "submit"])
def test_applying_ignores_smuggled_fields(app: Flask, make: Factory, action: str) -> None:
    candidate, other = make.candidate(), make.candidate()
    vacancy = make.vacancy(recruiter_ids=(make.recruiter().id,))
    elsewhere = make.vacancy(title="Head of Trade")
    client = app.test_client()
    log_in(client, candidate)
    smuggled = {
        **SMUGGLED,
        "status": "shortlisted",
        "candidate_id": str(other.id),
        "owner_id": str(other.id),
        "user_id": str(other.id),
        "vacancy_id": str(elsewhere.id),
        "on_shortlist": "y",
        "candidate_number": "C-FORGED",
    }
    data = {
        **smuggled,
        "statement": "I lead things.",
        "action": action,
        "cv": (io.BytesIO(pdf_bytes()), "cv.pdf"),
    }
    data.update({f"evidence_{c.id}": "My evidence" for c in vacancy.criteria})
    url = f"/vacancies/{vacancy.reference}/apply"
    response = submit(client, url, data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    if action == "submit":
        # The old button saves; "Accept and send" submits, and ignores the same fields.
        sent = send_application(client, vacancy, extra=smuggled)
        assert sent.status_code == 302, sent.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(select(Application)).all()
        assert len(rows) == 1
        row = rows[0]
        assert (row.candidate_id, row.vacancy_id) == (candidate.id, vacancy.id)
        wanted = ApplicationStatus.SUBMITTED if action == "submit" else ApplicationStatus.DRAFT
        assert row.status is wanted
        assert not row.on_shortlist and row.candidate_number != "C-FORGED"
        assert row.cv_file is not None and row.cv_file.owner_id == candidate.id
        me = db.session.get(User, candidate.id)
        assert me is not None and me.role is Role.CANDIDATE


def test_vacancy_forms_ignore_smuggled_fields(app: Flask, make: Factory) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,), status=VacancyStatus.DRAFT)
    client = app.test_client()
    log_in(client, recruiter)
    edit = f"/admin/vacancies/{vacancy.id}/edit"
    response = submit(client, edit, {**vacancy_form(title="Renamed"), **SMUGGLED})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = submit(client, "/admin/vacancies/new", {**vacancy_form(title="Fresh"), **SMUGGLED})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        for title in ("Renamed", "Fresh"):
            row = db.session.scalar(select(Vacancy).where(Vacancy.title == title))
            assert row is not None
            assert row.status is VacancyStatus.DRAFT, "publishing is its own action"
            assert row.published_at is None
            assert row.created_by_id in (None, recruiter.id)
        edited = db.session.get(Vacancy, vacancy.id)
        assert edited is not None and edited.title == "Renamed"
        assert edited.created_by_id is None, "the factory made it; an edit does not take it over"
        fresh = db.session.scalar(select(Vacancy).where(Vacancy.title == "Fresh"))
        assert fresh is not None and fresh.created_by_id == recruiter.id
        me = db.session.get(User, recruiter.id)
        assert me is not None and me.role is Role.RECRUITER


def test_invitation_ignores_smuggled_fields(app: Flask, make: Factory) -> None:
    client = app.test_client()
    log_in(client, make.admin())
    fields = {k: v for k, v in SMUGGLED.items() if k != "role"}
    form = {**fields, "full_name": "Ivy Invitee", "email": "ivy@example.org", "role": "panel"}
    assert submit(client, "/admin/users/invite", form).status_code == 302
    user = user_row(app, "ivy@example.org")
    assert user.role is Role.PANEL
    assert user.email_verified_at is None and user.is_disabled is False
    # A role that is not offered is refused, whatever the form posts.
    for role in ("candidate", "superuser"):
        form = {"full_name": "Eve", "email": f"eve-{role}@example.org", "role": role}
        assert submit(client, "/admin/users/invite", form).status_code == 400
        with app.app_context():
            assert db.session.scalar(select(User).where(User.email == form["email"])) is None


# The board's page number: anything out of range is clamped before it reaches the database.
@pytest.mark.parametrize(
    ("raw", "shown"),
    [(str(10**20), 2), (str(2**63), 2), ("3", 2), ("2", 2), ("-5", 1), ("0", 1), ("abc", 1)],
)
def test_board_page_is_clamped_to_the_pages_there_are(
    app: Flask, make: Factory, raw: str, shown: int
) -> None:
    app.config["PAGE_SIZE"] = 2
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    for n in range(3):
        make.application(make.candidate(full_name=f"Paged Person{n}").id, vacancy.id)
    client = app.test_client()
    log_in(client, recruiter)
    for board in ("/admin/applications", f"/admin/vacancies/{vacancy.id}/applications"):
        response = client.get(f"{board}?page={raw}")
        assert response.status_code == 200, f"{board}?page={raw}"
        html = response.get_data(as_text=True)
        assert f"Page {shown} of 2" in html
        assert ("Paged Person2" in html) is (shown == 2)
