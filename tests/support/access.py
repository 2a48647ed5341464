"""The access-control matrix's vocabulary: roles, access rules, and the world each route runs in.

A *world* is one set of objects for a route to name: candidate A's application (with a CV) on
vacancy V1, candidate B's application on the same vacancy, V1's panel and recruiter, an export
of V1 with its file on disk and a failed outbox job. The users live for the whole test; the
world is wiped and rebuilt for each route and method, so what one allowed write changes cannot
hide what the next request does.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Final

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse

from recruit.exports import jobs
from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    Base,
    DeliveryStatus,
    IdentityReveal,
    JobAlert,
    MonitoringReportJob,
    OutboxMessage,
    PanelAssignment,
    Role,
    Vacancy,
    VacancyRecruiter,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSubscription,
    utcnow,
)
from recruit.models.export import ExportFormat, ExportJob, ExportStatus
from recruit.models.outbox import OutboxStatus
from recruit.uploads import check_upload, store_upload
from testkit.documents import pdf_bytes
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit

# Who asks. "owner" owns the objects the paths name (candidate A); "candidate" is candidate B.
OWNER: Final = "owner"
CANDIDATE: Final = "candidate"
PANEL_ASSIGNED: Final = "panel_assigned"  # P1, on V1's panel
PANEL_OTHER: Final = "panel_other"  # P2, on no panel for V1
RECRUITER: Final = "recruiter"  # R1, runs V1
RECRUITER_OTHER: Final = "recruiter_other"  # R2, does not run V1
ADMIN: Final = "admin"
EQUALITY: Final = "equality"  # the equality monitoring role: the aggregate reports only
ANONYMOUS: Final = "anonymous"
ROLES: Final = (
    OWNER,
    CANDIDATE,
    PANEL_ASSIGNED,
    PANEL_OTHER,
    RECRUITER,
    RECRUITER_OTHER,
    ADMIN,
    EQUALITY,
    ANONYMOUS,
)
CANDIDATES: Final = frozenset({OWNER, CANDIDATE})
PANELS: Final = frozenset({PANEL_ASSIGNED, PANEL_OTHER})
RECRUITERS: Final = frozenset({RECRUITER, RECRUITER_OTHER, ADMIN})
# Who may read and change V1's applications among staff: its team recruiter and admins, never R2.
TEAM_STAFF: Final = frozenset({RECRUITER, ADMIN})
LOGGED_IN: Final = frozenset(ROLES) - {ANONYMOUS}

# The owner's private data, by kind; a response may carry only the kinds its reader may see.
STATEMENT: Final = "statement"
EMAIL: Final = "email"
NAME: Final = "name"
CV: Final = "cv"
EXPORT: Final = "export"
IDENTITY: Final = frozenset({EMAIL, NAME, CV})


@dataclass(frozen=True)
class Access:
    """Who may use a route, and what everyone else gets.

    `allowed` roles reach the view (2xx, 3xx to a page other than the login page, or 400 when
    the form or a business rule refuses what was sent: never a 401/403/404). `not_found` roles
    get 404 (the object is not theirs), every other signed-in role 403 (the page is for another
    role); anonymous visitors not allowed are sent to log in. `gone` is the answer every role
    gets when the route's object is a link token that does not exist.
    """

    name: str
    allowed: frozenset[str]
    not_found: frozenset[str] = frozenset()
    gone: bool = False

    def expected(self, role: str) -> str:
        """The outcome class `role` should see: allowed, 403, 404, login or 410."""
        if self.gone:
            return "410"
        if role in self.allowed:
            return "allowed"
        if role == ANONYMOUS:
            return "login"
        return "404" if role in self.not_found else "403"


ALL: Final = frozenset(ROLES)
PUBLIC = Access("PUBLIC", ALL)
ANONYMOUS_OK = Access("ANONYMOUS_OK", ALL)  # account pages: usable signed in or out
TOKEN = Access("TOKEN", ALL, gone=True)  # email links: the token is the credential
CANDIDATE_SELF = Access("CANDIDATE_SELF", CANDIDATES)  # the candidate's own lists
CANDIDATE_ANY = Access("CANDIDATE_ANY", CANDIDATES)  # e.g. apply to a public vacancy
CANDIDATE_OWN = Access("CANDIDATE_OWN", frozenset({OWNER}), not_found=frozenset({CANDIDATE}))
ASSESSOR = Access("ASSESSOR", RECRUITERS | PANELS)  # lists narrowed to what each may see
# The hiring team of V1 (R1 and P1) and admins; P2 gets 404, R2 the 403 "who to ask" page.
ASSESSOR_VACANCY = Access(  # panel only if assigned and sift-stage
    "ASSESSOR_VACANCY", TEAM_STAFF | {PANEL_ASSIGNED}, not_found=frozenset({PANEL_OTHER})
)
STAFF = Access("STAFF", RECRUITERS)
STAFF_VACANCY = Access("STAFF_VACANCY", RECRUITERS)  # recruiters may open any vacancy
RECRUITER_OF_VACANCY = Access("RECRUITER_OF_VACANCY", TEAM_STAFF)
# V1's team recruiters and admins: moves, notes, reveals, bulk actions, managing the team.
TEAM_RECRUITER = Access("TEAM_RECRUITER", TEAM_STAFF)
# V1 itself: editing, publishing, reopening and closing it (closing emails its candidates) is
# for its team recruiter and admins; R2 reads its page but gets the 403 page naming who to ask.
TEAM_VACANCY = Access("TEAM_VACANCY", TEAM_STAFF)
ADMIN_ONLY = Access("ADMIN_ONLY", frozenset({ADMIN}))
EQUALITY_REPORTS = Access("EQUALITY_REPORTS", frozenset({ADMIN, EQUALITY}))


# The form an allowed user would send to a route, built from the world and its people.
Payload = Callable[["World", "People"], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    """One endpoint's entry: its rule, what allowed readers may see, and how to fill a form."""

    access: Access
    # Kinds of the owner's private data that allowed roles other than the owner may read here.
    sees: frozenset[str] = frozenset()
    # The form an allowed user would send (None: only the CSRF token).
    payload: Payload | None = None
    # Reveal the owner's identity before running (so identity-gated pages have something to
    # show their allowed readers).
    revealed: bool = False


@dataclass
class People:
    """The users, created once per test."""

    users: dict[str, SimpleNamespace]

    def __getitem__(self, role: str) -> SimpleNamespace:
        return self.users[role]


@dataclass
class World:
    """The objects one route's requests name, and the owner's private data in them."""

    vacancy_id: int
    reference: str
    application_id: int
    other_application_id: int
    export_id: int
    outbox_id: int
    criterion_ids: list[int]
    report_id: int = 0  # a finished equality report CSV
    access_request_id: int = 0  # the owner's ready subject access pack
    alert_id: int = 0  # the owner's job alert
    endpoint_id: int = 0  # a webhook endpoint (admins only)
    delivery_id: int = 0  # a delivery to it, in its log
    markers: dict[str, str] = field(default_factory=dict)

    def path_values(self) -> dict[str, Any]:
        """A value for every path argument the app's routes use."""
        return {
            "application_id": self.application_id,
            "vacancy_id": self.vacancy_id,
            "reference": self.reference,
            "export_id": self.export_id,
            "outbox_id": self.outbox_id,
            "report_id": self.report_id,
            "access_request_id": self.access_request_id,
            "endpoint_id": self.endpoint_id,
            "delivery_id": self.delivery_id,
            "token": "no-such-token-" + self.markers[STATEMENT][-8:],
        }


def make_people(make: Factory) -> People:
    """Candidates A and B, panel members P1 and P2, recruiters R1 and R2, an admin, and an
    equality monitoring officer."""
    return People(
        {
            OWNER: make.candidate(full_name="Olwen Ownership", email="olwen.owner@example.org"),
            CANDIDATE: make.candidate(full_name="Bryn Bystander"),
            PANEL_ASSIGNED: make.panel_member(),
            PANEL_OTHER: make.panel_member(),
            RECRUITER: make.recruiter(),
            RECRUITER_OTHER: make.recruiter(),
            ADMIN: make.admin(),
            EQUALITY: make.user(Role.EQUALITY),
        }
    )


# Tables the world owns; users, their tokens and sessions outlive it.
_KEPT = frozenset({"users", "account_tokens", "web_sessions"})


def wipe_world(app: Flask) -> None:
    """Delete every object but the users, so the next world starts clean."""
    with app.app_context():
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in _KEPT:
                db.session.execute(delete(table))
        db.session.commit()


def build_world(app: Flask, make: Factory, people: People, *, revealed: bool = False) -> World:
    """V1 (anonymised sift, run by R1, P1 on its panel), A's and B's applications in the sift."""
    nonce = secrets.token_hex(6)
    vacancy = make.vacancy(recruiter_ids=(people[RECRUITER].id,), anonymised_sift=True)
    make.assign_panel(vacancy.id, people[PANEL_ASSIGNED].id)
    statement = f"Owner private statement {nonce}"
    mine = make.application(
        people[OWNER].id, vacancy.id, ApplicationStatus.UNDER_REVIEW, statement=statement
    )
    theirs = make.application(people[CANDIDATE].id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    cv_text = f"Owner CV {nonce}"
    export_text = f"Export secret {nonce}"
    with app.app_context():
        application = db.session.get(Application, mine.id)
        assert application is not None
        upload = FileStorage(io.BytesIO(pdf_bytes(cv_text)), "owner-cv.pdf")
        application.cv_file = store_upload(upload, check_upload(upload), people[OWNER].id)
        if revealed:
            application.reveals.append(
                IdentityReveal(
                    revealed_by_id=people[RECRUITER].id, reason="set up", revealed_at=utcnow()
                )
            )
        key = f"export-{nonce}.csv"
        (jobs.export_dir() / key).write_text(f"name,statement\n{export_text},x\n")
        job = ExportJob(
            vacancy_id=vacancy.id,
            requested_by_id=people[RECRUITER].id,
            format=ExportFormat.CSV,
            selection={"list": None, "statuses": []},
            status=ExportStatus.READY,
            storage_key=key,
            file_name="export.csv",
            progress_done=2,
            progress_total=2,
        )
        outbox = OutboxMessage(
            template="password_reset",
            recipient="ops@example.org",
            payload={},
            status=OutboxStatus.FAILED,
            attempts=5,
        )
        report = MonitoringReportJob(
            status=ExportStatus.READY, storage_key=f"monitoring-{nonce}.csv", file_name="r.csv"
        )
        (jobs.export_dir() / f"monitoring-{nonce}.csv").write_text("Report\r\n")
        alert = JobAlert(user_id=people[OWNER].id, theme="skills")
        db.session.add_all([job, outbox, report, alert])
        endpoint_id, delivery_id = _webhook(people[ADMIN].id)
        db.session.commit()
        export_id, outbox_id, report_id = job.id, outbox.id, report.id
        alert_id = alert.id
    return World(
        vacancy_id=vacancy.id,
        reference=vacancy.reference,
        application_id=mine.id,
        other_application_id=theirs.id,
        export_id=export_id,
        outbox_id=outbox_id,
        report_id=report_id,
        criterion_ids=[c.id for c in vacancy.criteria],
        access_request_id=make.access_pack(people[OWNER].id).id,
        alert_id=alert_id,
        endpoint_id=endpoint_id,
        delivery_id=delivery_id,
        markers={
            STATEMENT: statement,
            EMAIL: people[OWNER].email,
            NAME: people[OWNER].full_name,
            CV: cv_text,
            EXPORT: export_text,
        },
    )


def _webhook(admin_id: int) -> tuple[int, int]:
    """A webhook endpoint (public HTTPS, made by the admin) with one delivered event."""
    endpoint = WebhookEndpoint(
        url="https://93.184.215.14/hooks",
        secret="whsec_world",
        secret_prefix="whsec_world",
        created_by_id=admin_id,
        subscriptions=[WebhookSubscription(event="vacancy.closed")],
    )
    event = WebhookEvent(type="vacancy.closed", data={"vacancy": {"id": 1}})
    db.session.add_all([endpoint, event])
    db.session.flush()
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id, event_id=event.id, attempts=1, status=DeliveryStatus.DELIVERED
    )
    db.session.add(delivery)
    db.session.flush()
    return endpoint.id, delivery.id


def world_is_sound(app: Flask, world: World, people: People) -> None:
    """The world is what the matrix assumes: anything else would make its answers meaningless."""
    with app.app_context():
        vacancy = db.session.get(Vacancy, world.vacancy_id)
        assert vacancy is not None and vacancy.anonymised_sift
        runs = db.session.scalars(
            select(VacancyRecruiter.user_id).where(VacancyRecruiter.vacancy_id == vacancy.id)
        ).all()
        assert list(runs) == [people[RECRUITER].id]
        panel = db.session.scalars(
            select(PanelAssignment.user_id).where(PanelAssignment.vacancy_id == vacancy.id)
        ).all()
        assert list(panel) == [people[PANEL_ASSIGNED].id]
        owner = db.session.get(Application, world.application_id)
        assert owner is not None and owner.candidate_id == people[OWNER].id
        assert owner.cv_file is not None
        assert people[PANEL_OTHER].role is Role.PANEL


def database_rows(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but sessions (which change on any request by design)."""
    with app.app_context():
        rows = {
            table.name: sorted((tuple(r) for r in db.session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
            if table.name != "web_sessions"
        }
        db.session.rollback()
        return rows


@dataclass
class Browser:
    """A role's client and the CSRF token from a page of its own session."""

    role: str
    client: FlaskClient
    token: str = ""

    def sign_in(self, user: SimpleNamespace | None) -> None:
        """Log in (unless anonymous) and keep this session's CSRF token."""
        if user is not None:
            response = submit(
                self.client, "/login", {"email": user.email, "password": user.password}
            )
            assert response.status_code == 302, f"{self.role} could not log in"
        page = self.client.get("/login" if user is None else "/")
        self.token = csrf_token_from(page.get_data(as_text=True))

    def send(self, method: str, path: str, data: dict[str, Any]) -> TestResponse:
        """GET, or POST `data` with this session's token."""
        if method == "GET":
            return self.client.get(path)
        return self.client.post(path, data={**data, "csrf_token": self.token})


def outcome_of(response: TestResponse) -> str:
    """The class of an answer: allowed, 403, 404, 410, login, or the status code."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status in (301, 302, 303, 307, 308) and "/login" in location:
        return "login"
    if status in (401, 403, 404, 410):
        return str(status)
    if 200 <= status < 400:
        return "allowed"
    if status == 400 and b"There is a problem with your request" not in response.data:
        return "allowed"  # the view ran and its form or a business rule refused the input
    return str(status)


def leaked(body: bytes, world: World, may_see: frozenset[str]) -> list[str]:
    """The kinds of the owner's private data in `body` that its reader may not see."""
    return [
        kind
        for kind, marker in world.markers.items()
        if kind not in may_see and marker.encode() in body
    ]


# Hiring teams (issue #11): R2 is on no team of V1, so every route that reads or changes one of
# V1's applications must refuse them. Routes naming an application (or an export of them) in
# their path count by their arguments; these name them by vacancy or by a posted selection.
APPLICATION_ROUTES: Final = frozenset(
    {
        "admin.vacancy_applications",
        "admin.vacancy_board",
        "admin.bulk_action",
        "admin.bulk_unsuccessful",
        "admin.exports",
        "admin.vacancy_guarantees",
    }
)
APPLICATION_ARGUMENTS: Final = frozenset({"application_id", "export_id"})


def touches_applications(endpoint: str, arguments: frozenset[str] | set[str]) -> bool:
    """Whether a route reads or changes an application, so a recruiter outside the team must be
    refused on it."""
    return endpoint in APPLICATION_ROUTES or bool(APPLICATION_ARGUMENTS & set(arguments))


def application_traces(world: World) -> list[bytes]:
    """What any page showing the owner's application would carry: its link and its reference.
    A recruiter outside the team must never get a page holding one."""
    return [
        f'/admin/applications/{world.application_id}"'.encode(),
        f"APP-{world.application_id:06d}".encode(),
    ]


def changes_vacancy(arguments: frozenset[str] | set[str], methods: set[str] | None) -> bool:
    """Whether a route may change a vacancy (it names one in its path and takes a POST), so a
    recruiter outside the vacancy's team must be refused on it."""
    return "vacancy_id" in arguments and "POST" in (methods or set())
