"""The email catalog is the one home of every email: its templates, subject and context.

Each catalog function is called here with real rows, and the row it queues is built into the
message the worker would send, so a function whose context misses something its template or
subject reads fails here rather than in a worker.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jinja2 import meta, nodes
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    ExportFormat,
    ExportJob,
    OutboxMessage,
    User,
    Vacancy,
    utcnow,
)
from recruit.models.privacy import AccessRequest
from recruit.notifications import catalog
from recruit.notifications.catalog import EMAIL_TEMPLATES, EMAILS
from recruit.notifications.mail import build_message
from recruit.taxonomy import CANDIDATE_LABELS, STAFF_LABELS
from testkit.factories import Factory

ROOT = Path(__file__).resolve().parents[1]
EMAIL_DIR = ROOT / "templates" / "email"
# Added by the worker when it builds the message, so no catalog function supplies them.
BUILT_IN = frozenset({"base_url", "subject"})

Call = Callable[[dict[str, Any]], OutboxMessage]

# How to call each catalog function, given the rows made for the test.
CALLS: dict[str, Call] = {
    "verify_email": lambda r: catalog.verify_email(r["candidate"], "tok-verify", 48),
    "account_exists": lambda r: catalog.account_exists(r["candidate"]),
    "password_reset": lambda r: catalog.password_reset(r["candidate"], "tok-reset", 30),
    "password_changed": lambda r: catalog.password_changed(r["candidate"]),
    "recruiter_invite": lambda r: catalog.recruiter_invite(
        r["recruiter"], r["admin"], "tok-invite", 7
    ),
    "application_received": lambda r: catalog.application_received(r["application"]),
    "status_changed": lambda r: catalog.status_changed(r["application"]),
    "draft_reminder": lambda r: catalog.draft_reminder(r["application"]),
    "unsuccessful_custom": lambda r: catalog.unsuccessful_custom(
        r["application"], "About Director of Connectivity", "Dear Amara,\n\nThank you."
    ),
    "new_application": lambda r: catalog.new_application(r["application"], r["recruiter"]),
    "vacancy_closed": lambda r: catalog.vacancy_closed(r["vacancy"], r["recruiter"], 3),
    "export_ready": lambda r: catalog.export_ready(r["job"], r["vacancy"], r["recruiter"], 168),
    # Data rights (#11): a pack is ready; an account was erased (with one record kept).
    "access_pack_ready": lambda r: catalog.access_pack_ready(
        AccessRequest(id=7, expires_at=utcnow() + timedelta(days=7)), r["candidate"], 7
    ),
    "account_erased": lambda r: catalog.account_erased(r["candidate"], ["Your application"]),
    "adjustment_acknowledged": lambda r: catalog.adjustment_acknowledged(
        r["application"], datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    ),
    # Job alerts (#13): the day's new vacancies for one saved search.
    "job_alert": lambda r: catalog.job_alert(
        r["candidate"],
        search="theme Skills",
        vacancies=[
            {
                "title": "Director of Connectivity",
                "url": "http://127.0.0.1:5000/vacancies/ME-N0001",
                "location": "Nottingham",
                "salary": "£95,000",
                "closes": "1 March 2026, 12pm",
            }
        ],
        total=1,
        search_url="http://127.0.0.1:5000/vacancies?theme=skills",
        unsubscribe_url="http://127.0.0.1:5000/alerts/unsubscribe?token=tok-alert",
        alerts_url="http://127.0.0.1:5000/account/alerts",
    ),
}

# Sent to the staff member (the invitee, a vacancy's recruiter, whoever asked for the export).
STAFF_EMAILS = frozenset({"recruiter_invite", "new_application", "vacancy_closed", "export_ready"})

SUBJECTS = {
    "verify_email": "Confirm your email address",
    "account_exists": "You already have an account with us",
    "password_reset": "Reset your password",
    "password_changed": "Your password has been changed",
    "recruiter_invite": "You have been invited to Midlands Engine Recruitment",
    "application_received": "We have received your application for Director of Connectivity",
    "status_changed": "Update on your application for Director of Connectivity",
    "draft_reminder": "Your application for Director of Connectivity is not submitted yet",
    "unsuccessful_custom": "About Director of Connectivity",
    "new_application": "New application for Director of Connectivity ({reference})",
    "vacancy_closed": "Director of Connectivity (ME-N0001) has closed: 3 applications",
    "export_ready": "Your export for Director of Connectivity is ready",
    "access_pack_ready": "A copy of your data is ready to download",
    "account_erased": "Your account has been deleted",
    "adjustment_acknowledged": "Your request for adjustments: Director of Connectivity",
    "job_alert": "New vacancies for your job alert: theme Skills",
}


def catalog_functions() -> dict[str, Callable[..., Any]]:
    """The catalog's public functions, by name."""
    return {
        name: value
        for name, value in vars(catalog).items()
        if inspect.isfunction(value)
        and value.__module__ == catalog.__name__
        and not name.startswith("_")
    }


def test_every_catalog_function_is_an_email_named_after_its_template() -> None:
    assert set(catalog_functions()) == set(EMAILS) == EMAIL_TEMPLATES == set(CALLS)
    assert all(email.template == name for name, email in EMAILS.items())
    for function in catalog_functions().values():
        assert inspect.getdoc(function), f"{function.__name__} needs a one-line docstring"


def test_every_email_has_both_templates_and_every_template_has_an_email() -> None:
    files = {p.name for p in EMAIL_DIR.iterdir() if not p.name.startswith("_")}
    wanted = {f"{name}.{ext}" for name in EMAIL_TEMPLATES for ext in ("txt", "html")}
    assert wanted - files == set(), "an email without its template"
    assert files - wanted == set(), "a template that no catalog email sends"


def variables_read(app: Flask, template: str) -> set[str]:
    """Names the email's two templates read from the context (Jinja's globals aside)."""
    names: set[str] = set()
    for ext in ("txt", "html"):
        source = (EMAIL_DIR / f"{template}.{ext}").read_text(encoding="utf-8")
        tree = app.jinja_env.parse(source)
        macros = {
            name if isinstance(name, str) else name[-1]
            for node in tree.find_all(nodes.FromImport)
            for name in node.names
        }
        names |= meta.find_undeclared_variables(tree) - macros
    return names - set(app.jinja_env.globals) - BUILT_IN


def make_rows(app: Flask, make: Factory) -> tuple[int, int, int, int, int]:
    """A candidate's application to a vacancy with a recruiter, an admin and an export job."""
    candidate = make.candidate(full_name="Amara Okafor")
    recruiter = make.recruiter(full_name="Priya Shah")
    admin = make.admin(full_name="Sam Admin")
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,), reference="ME-N0001")
    application = make.application(candidate.id, vacancy.id, ApplicationStatus.SHORTLISTED)
    with app.app_context():
        job = ExportJob(
            vacancy_id=vacancy.id,
            requested_by_id=recruiter.id,
            format=ExportFormat.PACK,
            file_name="ME-N0001-shortlist-pack.zip",
        )
        db.session.add(job)
        db.session.commit()
        return candidate.id, recruiter.id, admin.id, application.id, job.id


def loaded(ids: tuple[int, int, int, int, int]) -> dict[str, Any]:
    """The rows, loaded in the current session."""
    candidate_id, recruiter_id, admin_id, application_id, job_id = ids
    application = db.session.get(Application, application_id)
    assert application is not None
    return {
        "candidate": db.session.get(User, candidate_id),
        "recruiter": db.session.get(User, recruiter_id),
        "admin": db.session.get(User, admin_id),
        "application": application,
        "vacancy": db.session.get(Vacancy, application.vacancy_id),
        "job": db.session.get(ExportJob, job_id),
    }


@pytest.mark.parametrize("template", sorted(CALLS))
def test_each_catalog_function_queues_an_email_the_worker_can_build(
    app: Flask, make: Factory, template: str
) -> None:
    ids = make_rows(app, make)
    with app.app_context():
        rows = loaded(ids)
        queued = CALLS[template](rows)
        db.session.commit()
        stored = db.session.scalars(select(OutboxMessage)).all()
        assert [(r.id, r.kind, r.template) for r in stored] == [(queued.id, "email", template)]
        row = stored[0]
        reference = rows["application"].reference
        assert variables_read(app, template) <= set(row.payload), "a value the template reads"
        message = build_message(row)
        recipient = rows["recruiter" if template in STAFF_EMAILS else "candidate"]
        assert message["To"].addresses[0].addr_spec == recipient.email
        assert message["To"].addresses[0].display_name == recipient.full_name
    assert message["Subject"] == SUBJECTS[template].format(reference=reference)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "{{" not in text and "None" not in text


def test_the_status_email_uses_the_candidates_words(app: Flask, make: Factory) -> None:
    ids = make_rows(app, make)
    with app.app_context():
        application = loaded(ids)["application"]
        application.status = ApplicationStatus.UNDER_REVIEW
        row = catalog.status_changed(application)
        assert (row.payload["status_label"], row.payload["status"]) == (
            "Being reviewed",
            "under_review",
        )
        db.session.rollback()


def test_status_labels_name_every_status_in_pipeline_order() -> None:
    statuses = [s.value for s in ApplicationStatus]
    assert list(CANDIDATE_LABELS) == statuses
    assert list(STAFF_LABELS) == statuses
    assert CANDIDATE_LABELS[ApplicationStatus.UNDER_REVIEW] == "Being reviewed"
    assert STAFF_LABELS[ApplicationStatus.UNDER_REVIEW] == "Under review"


def names_used(path: Path) -> set[str]:
    """Every imported name, attribute and bare name in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Name):
            found.add(node.id)
    return found


def test_only_the_catalog_queues_emails() -> None:
    """Services, exports, views and tasks call the catalog, never the outbox's enqueue."""
    allowed = {ROOT / "recruit" / "outbox" / "store.py"} | set(
        (ROOT / "recruit" / "notifications").glob("*.py")
    )
    sources = [*(ROOT / "recruit").rglob("*.py"), *(ROOT / "worker").rglob("*.py")]
    callers = [
        str(path.relative_to(ROOT))
        for path in sorted(sources)
        if path not in allowed and "enqueue_email" in names_used(path)
    ]
    assert callers == []
    # The check sees a real call: the catalog itself is caught by it.
    assert "enqueue_email" in names_used(ROOT / "recruit" / "notifications" / "catalog.py")
