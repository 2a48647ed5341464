"""Audit events on personal data: identity reveals and export downloads are logged with context.

Each line must carry UTC time, the user id, the client address and the request id (ASVS
V16.2.1, V16.3.2); the reveal's reason stays in the database, never in the log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import IntegrityError

from recruit.extensions import db
from recruit.models import ApplicationStatus, Role, User
from testkit.factories import Factory
from testkit.forms import submit
from tests.conftest import AppFactory
from tests.support.accounts import log_in
from tests.support.logs import AppLog


@pytest.fixture
def app(app_factory: AppFactory) -> Flask:
    """An app that logs JSON lines."""
    return app_factory(LOG_JSON=True)


def assert_context(line: dict[str, Any], user_id: int, request_id: str) -> None:
    """When (UTC), who, from where and in which request."""
    offset = datetime.fromisoformat(str(line["time"])).utcoffset()
    assert offset is not None and offset.total_seconds() == 0
    assert line["user_id"] == user_id
    assert line["client"] == "127.0.0.1"
    assert line["request_id"] == request_id


def test_an_identity_reveal_is_logged(client: FlaskClient, make: Factory, logs: AppLog) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,), anonymised_sift=True)
    candidate = make.candidate(full_name="Rhian Revealed")
    application = make.application(candidate.id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    log_in(client, recruiter)
    page = f"/admin/applications/{application.id}"
    reason = "Declared a conflict of interest with this candidate"
    response = submit(client, page, {"reason": reason}, action=f"{page}/reveal")
    assert response.status_code == 302
    [line] = logs.event("identity_revealed")
    assert_context(line, recruiter.id, response.headers["X-Request-ID"])
    assert line["application_id"] == application.id
    assert line["vacancy_id"] == vacancy.id
    assert reason not in logs.stream.getvalue(), "the reason belongs in the database only"
    assert "Rhian Revealed" not in logs.stream.getvalue()


def test_a_refused_reveal_is_not_logged_as_a_reveal(
    client: FlaskClient, make: Factory, logs: AppLog
) -> None:
    vacancy = make.vacancy(anonymised_sift=True)
    application = make.application(make.candidate().id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    log_in(client, make.team_recruiter(vacancy.id))
    page = f"/admin/applications/{application.id}"
    assert submit(client, page, {"reason": " "}, action=f"{page}/reveal").status_code == 400
    assert logs.event("identity_revealed") == []


def download_line(logs: AppLog) -> dict[str, Any]:
    [line] = [x for x in logs.lines() if x["message"] == "export downloaded"]
    return line


def test_an_export_download_is_logged(
    app: Flask, client: FlaskClient, make: Factory, logs: AppLog
) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    export_id = make.export(vacancy.id, recruiter.id).id
    log_in(client, recruiter)
    response = client.get(f"/admin/exports/{export_id}/download")
    assert response.status_code == 200
    line = download_line(logs)
    assert_context(line, recruiter.id, response.headers["X-Request-ID"])
    assert line["export_id"] == export_id and line["vacancy_id"] == vacancy.id


def test_an_export_download_names_its_event(
    app: Flask, client: FlaskClient, make: Factory, logs: AppLog
) -> None:
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    export_id = make.export(vacancy.id, recruiter.id).id
    log_in(client, recruiter)
    assert client.get(f"/admin/exports/{export_id}/download").status_code == 200
    assert [line["export_id"] for line in logs.event("export_downloaded")] == [export_id]


def test_database_errors_never_carry_statement_parameters(app: Flask, make: Factory) -> None:
    """Parameters can hold reset links and personal data: the engine never puts them in text.

    (The database's own message may still quote the key that clashed, as PostgreSQL's DETAIL
    does; only SQLAlchemy's rendering of every bound parameter is turned off.)
    """
    email, secret = "taken@example.org", "canary-parameter-value"
    make.candidate(email=email)
    with app.app_context():
        assert db.engine.hide_parameters
        db.session.add(
            User(email=email, full_name="Dup", password_hash=secret, role=Role.CANDIDATE)
        )
        with pytest.raises(IntegrityError) as caught:
            db.session.commit()
        db.session.rollback()
    assert secret not in str(caught.value)
    assert "parameters hidden" in str(caught.value)
