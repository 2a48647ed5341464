"""Staff list pages kept per session: never another session's, never out of date, authorised."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select, text, update
from werkzeug.test import TestResponse

from recruit.admin.access import ADMIN_ACCESS_EVENT
from recruit.extensions import db
from recruit.models import (
    WRITES_TABLES_OPTION,
    Application,
    ApplicationStatus,
    AuditEvent,
    Base,
    VacancyRecruiter,
)
from recruit.web.staff_pages import UNRELATED_TABLES, staff_cache
from recruit.web.write_watch import written_tables
from testkit.documents import pdf_bytes
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from testkit.statements import listening
from tests.conftest import AppFactory
from tests.support.accounts import log_in
from tests.support.portal import answers, logged_in_candidate, post_apply, send_application
from tests.support.worker import redis_settings

NONCE_RE = re.compile(r'<script nonce="([^"]+)"')
# The stage counts: a grouped count over the vacancy's applications, run only when rendering.
RENDERED_ONLY = "GROUP BY applications.status"


@pytest.fixture
def settings() -> Iterator[dict[str, str]]:
    """The test Redis, with a version key of this test's own."""
    with redis_settings() as found:
        yield {**found, "PAGE_CACHE_PREFIX": f"test:{uuid.uuid4().hex}:page:"}


@pytest.fixture
def app(app_factory: AppFactory, settings: dict[str, str]) -> Flask:
    """An app whose staff pages are kept (it has Redis)."""
    return app_factory(**settings)


def fetch(client: FlaskClient, path: str) -> tuple[TestResponse, bool]:
    """GET `path`; also whether the page was rendered for it (rather than kept)."""
    app = client.application
    sent: list[str] = []
    with listening(app, sent.append):
        response = client.get(path)
    return response, any(RENDERED_ONLY in statement for statement in sent)


def list_path(vacancy_id: int) -> str:
    """The vacancy's list of applications."""
    return f"/admin/vacancies/{vacancy_id}/applications"


def test_asked_again_unchanged_the_page_is_kept_with_a_fresh_nonce(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    make.application(make.candidate(full_name="Priya Sandhu").id, vacancy.id)
    log_in(client, make.team_recruiter(vacancy.id))
    first, rendered = fetch(client, list_path(vacancy.id))
    assert first.status_code == 200 and rendered
    second, rendered_again = fetch(client, list_path(vacancy.id))
    assert second.status_code == 200 and not rendered_again
    assert "Priya Sandhu" in second.get_data(as_text=True)
    nonces = [NONCE_RE.findall(r.get_data(as_text=True)) for r in (first, second)]
    assert nonces[0] and nonces[1] and set(nonces[0]).isdisjoint(nonces[1])
    for response, found in zip((first, second), nonces, strict=True):
        assert f"'nonce-{found[0]}'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        assert "ETag" not in response.headers


def test_never_another_users_or_another_sessions_page(app: Flask, make: Factory) -> None:
    vacancy = make.vacancy()
    make.application(make.candidate().id, vacancy.id)
    one = make.team_recruiter(vacancy.id, full_name="Aisha Rahman")
    two = make.team_recruiter(vacancy.id, full_name="Gareth Jones")
    browsers = [app.test_client() for _ in range(3)]
    for browser, user in zip(browsers, (one, two, one), strict=True):
        log_in(browser, user)
    pages = [fetch(b, list_path(vacancy.id)) for b in browsers]
    assert all(rendered for _, rendered in pages), "each session renders its own first page"
    html = [response.get_data(as_text=True) for response, _ in pages]
    assert "Gareth Jones" in html[1] and "Aisha Rahman" not in html[1]
    tokens = {csrf_token_from(page) for page in html}
    assert len(tokens) == 3, "each page carries its own session's form token"
    again = [fetch(b, list_path(vacancy.id)) for b in browsers]
    assert not any(rendered for _, rendered in again)
    assert [csrf_token_from(r.get_data(as_text=True)) for r, _ in again] == [
        csrf_token_from(page) for page in html
    ]
    assert len(staff_cache(app).entries()) == 3


def test_a_change_made_anywhere_shows_on_the_next_page(
    app_factory: AppFactory, settings: dict[str, str], make: Factory, client: FlaskClient
) -> None:
    vacancy = make.vacancy()
    application = make.application(make.candidate().id, vacancy.id)
    log_in(client, make.team_recruiter(vacancy.id))
    assert "Under review: 0" in fetch(client, list_path(vacancy.id))[0].get_data(as_text=True)
    assert not fetch(client, list_path(vacancy.id))[1], "kept while nothing changes"
    # Another process (a worker, another web process) moves it, as an ORM change...
    other = app_factory(**settings)
    with other.app_context():
        stored = db.session.get(Application, application.id)
        assert stored is not None
        stored.status = ApplicationStatus.UNDER_REVIEW
        db.session.commit()
    page, rendered = fetch(client, list_path(vacancy.id))
    assert rendered and "Under review: 1" in page.get_data(as_text=True)
    # ...and as one UPDATE statement, with no flush at all.
    with other.app_context():
        db.session.execute(
            update(Application)
            .where(Application.id == application.id)
            .values(status=ApplicationStatus.SHORTLISTED)
        )
        db.session.commit()
    page, rendered = fetch(client, list_path(vacancy.id))
    assert rendered and "Shortlisted: 1" in page.get_data(as_text=True)


def test_a_candidates_send_shows_on_the_recruiters_next_page(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    # "Accept and send" submits with a guarded UPDATE on the session's connection: no flush.
    vacancy = make.vacancy()
    recruiter = app.test_client()
    log_in(recruiter, make.team_recruiter(vacancy.id))
    logged_in_candidate(make, client)
    saved = post_apply(client, vacancy, "continue", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    assert saved.status_code == 302
    page, _ = fetch(recruiter, list_path(vacancy.id))
    assert "0 applications</h2>" in page.get_data(as_text=True)
    assert not fetch(recruiter, list_path(vacancy.id))[1]
    assert send_application(client, vacancy).status_code == 302
    page, rendered = fetch(recruiter, list_path(vacancy.id))
    assert rendered and "1 application</h2>" in page.get_data(as_text=True)


def test_the_unrelated_tables_are_ours_and_leave_out_what_the_lists_show() -> None:
    tables = set(Base.metadata.tables)
    assert tables >= UNRELATED_TABLES
    shown = {"applications", "scores", "agreed_scores", "identity_reveals", "vacancies", "users"}
    assert shown <= tables and not shown & UNRELATED_TABLES


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (update(Application).values(status="draft"), ("applications",)),
        (delete(VacancyRecruiter), ("vacancy_recruiters",)),
        (text("UPDATE applications SET status = 'draft'"), (None,)),
        (text("  delete from scores"), (None,)),
        (select(Application.id), ()),
        (text("SELECT 1"), ()),
    ],
)
def test_writes_are_told_from_reads(statement: Any, expected: tuple[str | None, ...]) -> None:
    assert written_tables(statement) == expected
    # A SELECT that writes inside WITH names its tables in an execution option.
    named = {WRITES_TABLES_OPTION: ("applications", "outbox")}
    assert written_tables(statement, named) == (*expected, "applications", "outbox")


def test_a_flashed_message_shows_once_on_a_fresh_page(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    application = make.application(make.candidate().id, vacancy.id)
    log_in(client, make.team_recruiter(vacancy.id))
    path = list_path(vacancy.id)
    fetch(client, path)
    assert not fetch(client, path)[1]
    # A move the pipeline refuses changes nothing, so only the message is new.
    data = {"application_ids": [str(application.id)], "action": "move", "to_status": "interview"}
    refused = submit(
        client, path, {**data, "vacancy_id": str(vacancy.id)}, action="/admin/applications/bulk"
    )
    assert refused.status_code == 302
    page, rendered = fetch(client, refused.headers["Location"])
    assert rendered and "1 application not changed." in page.get_data(as_text=True)
    again, _ = fetch(client, refused.headers["Location"])
    assert "1 application not changed." not in again.get_data(as_text=True)


def test_authorisation_and_audit_run_before_a_kept_page(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    make.application(make.candidate().id, vacancy.id)
    recruiter = make.team_recruiter(vacancy.id)
    log_in(client, recruiter)
    assert fetch(client, list_path(vacancy.id))[0].status_code == 200
    with app.app_context():
        db.session.execute(delete(VacancyRecruiter).where(VacancyRecruiter.user_id == recruiter.id))
        db.session.commit()
    assert fetch(client, list_path(vacancy.id))[0].status_code == 403
    # An admin outside the team is audited on every view, kept page or not.
    admin = app.test_client()
    log_in(admin, make.admin())
    views = [fetch(admin, list_path(vacancy.id)) for _ in range(2)]
    assert [rendered for _, rendered in views] == [True, False]
    with app.app_context():
        audited = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.event == ADMIN_ACCESS_EVENT, AuditEvent.vacancy_id == vacancy.id)
        )
    assert audited == 2


def test_nothing_is_kept_without_redis_or_with_no_age(
    app_factory: AppFactory, settings: dict[str, str], make: Factory
) -> None:
    for app in (app_factory(), app_factory(**settings, STAFF_PAGE_MAX_AGE_SECONDS=0)):
        maker = Factory(app)
        vacancy = maker.vacancy()
        client = app.test_client()
        log_in(client, maker.team_recruiter(vacancy.id))
        assert all(fetch(client, list_path(vacancy.id))[1] for _ in range(2))
        assert staff_cache(app).entries() == []
