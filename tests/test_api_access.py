"""The API's access matrix, with tokens (issue #14): every /api/v1 route, as a token of each
staff role (the vacancy's team recruiter, a recruiter outside its team, an admin) in each scope,
and with no token. A token acts with its owner's rights and no more: the same hiring-team scope
and the same anonymised sift as the staff pages (tests/test_access_matrix.py runs the same
routes with every role's session cookie, which must authorise nothing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, Final

from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    Base,
    TokenScope,
    Vacancy,
    VacancyStatus,
    utcnow,
)
from testkit.factories import Factory
from tests.conftest import AppFactory
from tests.support.access import (
    ADMIN,
    CANDIDATE,
    EMAIL,
    EXPORT,
    NAME,
    RECRUITER,
    RECRUITER_OTHER,
    STATEMENT,
    People,
    World,
    build_world,
    leaked,
    make_people,
    wipe_world,
)
from tests.support.api import bearer, issue_token, new_vacancy

TOKEN_ROLES: Final = (RECRUITER, RECRUITER_OTHER, ADMIN)
NOBODY: Final = "no token"
ALL: Final = frozenset(TOKEN_ROLES)
TEAM: Final = frozenset({RECRUITER, ADMIN})


class Rule:
    """Who may use a route with a token, what others get, and what allowed readers may see.

    `write` routes refuse read tokens (403); `if_match` ones are sent the ETag of the object
    read at `if_match` (a path template) just before; `body` builds the JSON body and `setup`
    puts the world in the state the action needs, before each request.
    """

    def __init__(
        self,
        allowed: frozenset[str],
        *,
        public: bool = False,
        sees: frozenset[str] = frozenset(),
        refused: int = 404,
        write: bool = False,
        if_match: str = "",
        body: Callable[[World], dict[str, Any]] | None = None,
        setup: Callable[[Flask, World], None] | None = None,
    ) -> None:
        self.allowed, self.public, self.sees, self.refused = allowed, public, sees, refused
        self.write, self.if_match, self.body, self.setup = write, if_match, body, setup

    def expected(self, role: str, scope: TokenScope | None = None) -> int | str:
        """'allowed', or the status `role` must get with a token of `scope`."""
        if self.public:
            return "allowed"
        if role == NOBODY:
            return 401
        if self.write and scope is TokenScope.READ:
            return 403
        return "allowed" if role in self.allowed else self.refused

    def but(self, **changes: Any) -> Rule:
        """A copy with some settings changed."""
        settings = {**self.__dict__, **changes}
        return Rule(settings.pop("allowed"), **settings)


def set_vacancy_status(status: VacancyStatus) -> Callable[[Flask, World], None]:
    """Put V1 in `status`, closing a week ahead, so publishing or closing it is possible."""

    def setup(app: Flask, world: World) -> None:
        with app.app_context():
            vacancy = db.session.get(Vacancy, world.vacancy_id)
            assert vacancy is not None
            vacancy.status = status
            vacancy.closes_at = utcnow() + timedelta(days=7)
            db.session.commit()

    return setup


def set_application_status(app: Flask, world: World, status: ApplicationStatus) -> None:
    """Put A's application in `status`."""
    with app.app_context():
        application = db.session.get(Application, world.application_id)
        assert application is not None
        application.status = status
        db.session.commit()


STAFF_VACANCY = "/api/v1/staff/vacancies/<vacancy_id>"
OWN_SCORES = "/api/v1/applications/<application_id>/scores/mine"


def own_set(world: World, submit: bool = False) -> dict[str, Any]:
    """A whole set of scores for A's application, against V1's criteria."""
    scores = [{"criterion_id": c, "score": 3, "comment": "Sound"} for c in world.criterion_ids]
    return {"scores": scores, "submit": submit}


MANAGE = Rule(TEAM, refused=403, write=True, if_match=STAFF_VACANCY)
WEBHOOKS = Rule(frozenset({ADMIN}), refused=403)

PUBLIC_RULE = Rule(ALL, public=True)
# Every /api/v1 route. A route missing here fails `test_every_api_route_has_a_token_rule`.
TOKEN_ACCESS: dict[str, Rule] = {
    "api_v1.list_vacancies": PUBLIC_RULE,
    "api_v1.get_vacancy": PUBLIC_RULE,
    "api_v1.vacancies_feed": PUBLIC_RULE,
    "api_v1.list_themes": PUBLIC_RULE,
    "api_v1.list_sectors": PUBLIC_RULE,
    "api_v1.me": Rule(ALL),
    "api_v1.revoke_own_token": Rule(ALL),
    # Lists are narrowed: R2 gets an empty list (checked below), not a refusal.
    "api_v1.list_applications": Rule(ALL, sees=frozenset({STATEMENT})),
    # R2 gets 403 naming who to ask, as the staff pages' "not on the hiring team" page: vacancies
    # are listed to every recruiter, so there is no existence to hide (docs/api.md).
    "api_v1.get_application": Rule(TEAM, sees=frozenset({STATEMENT}), refused=403),
    # Any recruiter or admin makes a vacancy and reads one (drafts too), as on the pages; only
    # V1's team recruiter and admins change it (R2 gets 403, naming who to ask).
    "api_v1.create_vacancy": Rule(ALL, write=True, body=lambda w: new_vacancy()),
    "api_v1.get_staff_vacancy": Rule(ALL),
    "api_v1.update_vacancy": Rule(
        TEAM,
        refused=403,
        write=True,
        if_match=STAFF_VACANCY,
        body=lambda w: {"title": "Director of Skills and Work"},
    ),
    # The team's recruiter and admins move A's application (to a stage that keeps the sift
    # anonymous, so no answer may name A); R2 gets 403, as for reading it.
    "api_v1.change_stage": Rule(
        TEAM,
        sees=frozenset({STATEMENT}),
        refused=403,
        write=True,
        if_match="/api/v1/applications/<application_id>",
        body=lambda w: {"status": "unsuccessful", "note": "Not this time"},
        setup=lambda app, w: set_application_status(app, w, ApplicationStatus.UNDER_REVIEW),
    ),
    "api_v1.publish_vacancy": MANAGE.but(setup=set_vacancy_status(VacancyStatus.CLOSED)),
    "api_v1.close_vacancy": MANAGE.but(setup=set_vacancy_status(VacancyStatus.PUBLISHED)),
    # Scores: the hiring team and admins (an admin outside it audited); R2 403. Nothing in a
    # score names the candidate.
    "api_v1.get_scores": Rule(TEAM, refused=403),
    "api_v1.get_own_scores": Rule(TEAM, refused=403),
    "api_v1.create_own_scores": Rule(TEAM, refused=403, write=True, body=lambda w: own_set(w)),
    "api_v1.update_own_scores": Rule(
        TEAM, refused=403, write=True, if_match=OWN_SCORES, body=lambda w: own_set(w, True)
    ),
    # Exports: V1's moderators (its team recruiter, admins); R2 403. The file is theirs to read.
    "api_v1.request_export": Rule(
        TEAM, refused=403, write=True, body=lambda w: {"format": "csv", "which": "all"}
    ),
    "api_v1.get_export": Rule(TEAM, refused=403),
    "api_v1.download_export": Rule(TEAM, refused=403, sees=frozenset({EXPORT})),
    # Webhooks: admins only; recruiters' tokens get 403 whatever the scope.
    "api_v1.list_webhooks": WEBHOOKS,
    "api_v1.create_webhook": WEBHOOKS.but(
        write=True, body=lambda w: {"url": "https://93.184.215.14/h", "events": ["export.ready"]}
    ),
    "api_v1.get_webhook": WEBHOOKS,
    "api_v1.update_webhook": WEBHOOKS.but(
        write=True, if_match="/api/v1/webhooks/<endpoint_id>", body=lambda w: {"active": False}
    ),
    "api_v1.delete_webhook": WEBHOOKS.but(write=True),
    "api_v1.rotate_webhook_secret": WEBHOOKS.but(write=True),
    "api_v1.list_webhook_deliveries": WEBHOOKS,
    "api_v1.redeliver_webhook": WEBHOOKS.but(write=True),
}
SCOPES: Final = (TokenScope.READ, TokenScope.WRITE)


def api_rules(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) for every API route and method but HEAD and OPTIONS."""
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api_v1.")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    )


def test_every_api_route_has_a_token_rule(app: Flask) -> None:
    assert {endpoint for endpoint, _, _ in api_rules(app)} == set(TOKEN_ACCESS)


def outcome(response: TestResponse) -> int | str:
    return "allowed" if response.status_code < 400 else response.status_code


def fill(rule: str, world: World) -> str:
    path = rule
    for name, value in world.path_values().items():
        for converter in ("", "int:"):
            path = path.replace(f"<{converter}{name}>", str(value))
    assert "<" not in path, rule
    return path


def application_reference(world: World) -> bytes:
    return f"APP-{world.application_id:06d}".encode()


# What a refused write must leave as it was (token use and its audit change on every request).
WORLD_TABLES: Final = (
    "vacancies",
    "criteria",
    "vacancy_themes",
    "vacancy_sectors",
    "vacancy_recruiters",
    "applications",
    "status_changes",
    "outbox",
    "api_idempotency_keys",
    "scores",
    "export_jobs",
    "export_downloads",
)


def world_rows(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the world's tables."""
    with app.app_context():
        rows = {
            name: sorted(
                (tuple(r) for r in db.session.execute(select(Base.metadata.tables[name]))),
                key=repr,
            )
            for name in WORLD_TABLES
        }
        db.session.rollback()
        return rows


def request_headers(
    app: Flask, people: People, world: World, rule: Rule, secret: str | None
) -> dict[str, str]:
    """The bearer header, and If-Match with the object's current ETag where the route needs it."""
    headers = bearer(secret) if secret is not None else {}
    if rule.if_match:
        reader = bearer(issue_token(app, people[ADMIN])[1])
        current = app.test_client().get(fill(rule.if_match, world), headers=reader)
        assert current.status_code == 200, rule.if_match
        headers["If-Match"] = current.headers["ETag"]
    return headers


def check(
    app: Flask, people: People, world: World, endpoint: str, path: str, method: str
) -> list[str]:
    """Run one route as every token role in each scope and with none; what went wrong."""
    rule = TOKEN_ACCESS[endpoint]
    problems: list[str] = []
    client = app.test_client()
    runs = [(NOBODY, None)] + [(role, scope) for role in TOKEN_ROLES for scope in SCOPES]
    # Refused requests first: what an allowed write changes must not hide what they could do.
    runs.sort(key=lambda run: rule.expected(*run) == "allowed")
    for role, scope in runs:
        if rule.setup is not None:
            rule.setup(app, world)
        secret = issue_token(app, people[role], scope)[1] if scope is not None else None
        headers = request_headers(app, people, world, rule, secret)
        body = rule.body(world) if rule.body is not None else None
        expected = rule.expected(role, scope)
        before = world_rows(app) if method != "GET" and expected != "allowed" else None
        response = client.open(path, method=method, headers=headers, json=body)
        where = f"{method} {endpoint} as {role} ({scope.value if scope else '-'})"
        if before is not None and world_rows(app) != before:
            problems.append(f"{where}: a refused request changed the world")
        if outcome(response) != expected:
            problems.append(
                f"{where}: expected {expected}, got {response.status_code} "
                f"{response.get_data(as_text=True)[:200]}"
            )
        allowed = expected == "allowed"
        # Anonymised sift, nothing revealed: no token may show who the candidate is.
        may_see = rule.sees if allowed else frozenset()
        if found := leaked(response.data, world, may_see):
            problems.append(f"{where}: the body holds the owner's {', '.join(found)}")
        if role == RECRUITER_OTHER and application_reference(world) in response.data:
            problems.append(f"{where}: a recruiter outside the team got the application")
    return problems


def test_api_access_matrix_with_tokens(app_factory: AppFactory, backend: str) -> None:
    app = app_factory(RATELIMIT_ENABLED=False)
    make = Factory(app)
    people = make_people(make)
    problems: list[str] = []
    requests = 0
    for endpoint, rule, method in api_rules(app):
        wipe_world(app)
        world = build_world(app, make, people)
        problems += check(app, people, world, endpoint, fill(rule, world), method)
        requests += 1 + len(TOKEN_ROLES) * len(SCOPES)
    print(f"\napi token matrix ({backend}): {len(api_rules(app))} routes, {requests} requests")
    assert not problems, "\n".join(problems)


def test_the_team_sees_the_sift_anonymised_until_the_identity_is_revealed(
    app_factory: AppFactory,
) -> None:
    app = app_factory(RATELIMIT_ENABLED=False)
    make = Factory(app)
    people = make_people(make)
    for revealed in (False, True):
        wipe_world(app)
        world = build_world(app, make, people, revealed=revealed)
        for role in (RECRUITER, ADMIN):
            headers = bearer(issue_token(app, people[role])[1])
            one = app.test_client().get(
                f"/api/v1/applications/{world.application_id}", headers=headers
            )
            listed = app.test_client().get(
                f"/api/v1/applications?vacancy_id={world.vacancy_id}", headers=headers
            )
            assert one.status_code == 200 and listed.status_code == 200
            assert world.markers[STATEMENT].encode() in one.data
            for response in (one, listed):
                shows_name = world.markers[NAME].encode() in response.data
                shows_email = world.markers[EMAIL].encode() in response.data
                assert shows_name is revealed and shows_email is revealed, (role, revealed)
            body = one.get_json()
            assert body["candidate"]["identity_visible"] is revealed
            assert body["candidate"]["number"]


def test_a_recruiter_outside_the_team_is_told_who_to_ask(app_factory: AppFactory) -> None:
    """403, not 404: vacancies are listed to every recruiter, so there is no existence to hide;
    the problem says who to ask, as the staff pages' "not on the hiring team" page does."""
    app = app_factory(RATELIMIT_ENABLED=False)
    make = Factory(app)
    people = make_people(make)
    world = build_world(app, make, people)
    client = app.test_client()
    reader = bearer(issue_token(app, people[RECRUITER_OTHER])[1])
    writer = bearer(issue_token(app, people[RECRUITER_OTHER], TokenScope.WRITE)[1])
    application = f"/api/v1/applications/{world.application_id}"
    answers = [
        client.get(application, headers=reader),
        client.get(f"/api/v1/applications?vacancy_id={world.vacancy_id}", headers=reader),
        client.get(f"{application}/scores", headers=reader),
        client.get(f"{application}/scores/mine", headers=reader),
        client.post(f"{application}/scores/mine", headers=writer, json=own_set(world)),
        client.post(f"{application}/stage", headers=writer, json={"status": "shortlisted"}),
        client.get(f"/api/v1/exports/{world.export_id}", headers=reader),
        client.get(f"/api/v1/exports/{world.export_id}/download", headers=reader),
        client.post(f"/api/v1/staff/vacancies/{world.vacancy_id}/exports", headers=writer, json={}),
    ]
    recruiter = people[RECRUITER].full_name
    for response in answers:
        assert response.status_code == 403, response.request.path
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert problem["type"] == "https://recruit.midlandsengine.org/problems/forbidden"
        assert problem["ask"] == [recruiter]
        assert recruiter in problem["detail"] and "an administrator" in problem["detail"]
        assert world.reference in problem["detail"]
        assert application_reference(world) not in response.data
    # Unknown ids (and a draft, the candidate's own) stay 404 for everyone.
    other = make.vacancy(recruiter_ids=(people[RECRUITER].id,))
    draft = make.application(people[CANDIDATE].id, other.id, ApplicationStatus.DRAFT)
    for path in (f"/api/v1/applications/{draft.id}", "/api/v1/applications/999999/scores"):
        assert client.get(path, headers=reader).status_code == 404
    assert client.get("/api/v1/exports/999999", headers=reader).status_code == 404
