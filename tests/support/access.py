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
    IdentityReveal,
    OutboxMessage,
    PanelAssignment,
    Role,
    Vacancy,
    VacancyRecruiter,
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
ANONYMOUS: Final = "anonymous"
ROLES: Final = (
    OWNER,
    CANDIDATE,
    PANEL_ASSIGNED,
    PANEL_OTHER,
    RECRUITER,
    RECRUITER_OTHER,
    ADMIN,
    ANONYMOUS,
)
CANDIDATES: Final = frozenset({OWNER, CANDIDATE})
PANELS: Final = frozenset({PANEL_ASSIGNED, PANEL_OTHER})
RECRUITERS: Final = frozenset({RECRUITER, RECRUITER_OTHER, ADMIN})
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
ASSESSOR_VACANCY = Access(  # recruiters and admins; panel only if assigned and sift-stage
    "ASSESSOR_VACANCY", RECRUITERS | {PANEL_ASSIGNED}, not_found=frozenset({PANEL_OTHER})
)
STAFF = Access("STAFF", RECRUITERS)
STAFF_VACANCY = Access("STAFF_VACANCY", RECRUITERS)  # recruiters may open any vacancy
RECRUITER_OF_VACANCY = Access("RECRUITER_OF_VACANCY", frozenset({RECRUITER, ADMIN}))
ADMIN_ONLY = Access("ADMIN_ONLY", frozenset({ADMIN}))


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
    markers: dict[str, str] = field(default_factory=dict)

    def path_values(self) -> dict[str, Any]:
        """A value for every path argument the app's routes use."""
        return {
            "application_id": self.application_id,
            "vacancy_id": self.vacancy_id,
            "reference": self.reference,
            "export_id": self.export_id,
            "outbox_id": self.outbox_id,
            "token": "no-such-token-" + self.markers[STATEMENT][-8:],
        }


def make_people(make: Factory) -> People:
    """Candidates A and B, panel members P1 and P2, recruiters R1 and R2, an admin."""
    return People(
        {
            OWNER: make.candidate(full_name="Olwen Ownership", email="olwen.owner@example.org"),
            CANDIDATE: make.candidate(full_name="Bryn Bystander"),
            PANEL_ASSIGNED: make.panel_member(),
            PANEL_OTHER: make.panel_member(),
            RECRUITER: make.recruiter(),
            RECRUITER_OTHER: make.recruiter(),
            ADMIN: make.admin(),
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
        db.session.add_all([job, outbox])
        db.session.commit()
        export_id, outbox_id = job.id, outbox.id
    return World(
        vacancy_id=vacancy.id,
        reference=vacancy.reference,
        application_id=mine.id,
        other_application_id=theirs.id,
        export_id=export_id,
        outbox_id=outbox_id,
        criterion_ids=[c.id for c in vacancy.criteria],
        markers={
            STATEMENT: statement,
            EMAIL: people[OWNER].email,
            NAME: people[OWNER].full_name,
            CV: cv_text,
            EXPORT: export_text,
        },
    )


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
