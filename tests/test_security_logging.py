"""Security events are logged with UTC time, user id, client address and request id."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from testkit.factories import Factory
from testkit.forms import submit
from tests.conftest import AppFactory
from tests.support.accounts import log_in
from tests.support.logs import AppLog, app_log


@pytest.fixture
def app(app_factory: AppFactory) -> Flask:
    """An app that logs JSON lines, one per event."""
    return app_factory(LOG_JSON=True)


def assert_context(line: dict[str, object], request_id: str) -> None:
    """The metadata every security event needs: when (UTC), where from, which request."""
    stamp = datetime.fromisoformat(str(line["time"]))
    assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert line["client"] == "127.0.0.1"
    assert line["request_id"] == request_id


def test_login_success_and_failure(client: FlaskClient, make: Factory, logs: AppLog) -> None:
    user = make.candidate()
    failed = submit(client, "/login", {"email": user.email, "password": "not the password"})
    [failure] = logs.event("login_failed")
    assert_context(failure, failed.headers["X-Request-ID"])
    assert user.email not in str(failure) and "not the password" not in str(failure)
    assert len(str(failure["account"])) == 16  # a pseudonym that correlates attempts

    succeeded = submit(client, "/login", {"email": user.email, "password": user.password})
    [success] = logs.event("login_succeeded")
    assert_context(success, succeeded.headers["X-Request-ID"])
    assert success["user_id"] == user.id


def test_lockout_and_refusal_while_locked(client: FlaskClient, make: Factory, logs: AppLog) -> None:
    user = make.candidate()
    for _ in range(5):
        submit(client, "/login", {"email": user.email, "password": "wrong password guess"})
    [locked] = logs.event("lockout")
    assert locked["failures"] == 5
    refused = submit(client, "/login", {"email": user.email, "password": user.password})
    assert refused.status_code == 429
    [line] = logs.event("login_locked")
    assert_context(line, refused.headers["X-Request-ID"])
    assert line["account"] == locked["account"]


def test_rate_limit(app_factory: AppFactory) -> None:
    app = app_factory(LOG_JSON=True, RATELIMIT_PER_ADDRESS=1)
    client = app.test_client()
    with app_log() as logs:
        submit(client, "/forgot-password", {"email": "a@example.org"})
        limited = submit(client, "/forgot-password", {"email": "b@example.org"})
    assert limited.status_code == 429
    [line] = logs.event("rate_limited")
    assert_context(line, limited.headers["X-Request-ID"])
    assert line["action"] == "reset"


def test_forbidden_page_is_an_authorisation_failure(
    client: FlaskClient, make: Factory, logs: AppLog
) -> None:
    candidate = make.candidate()
    log_in(client, candidate)
    response = client.get("/admin/")
    assert response.status_code == 403
    [line] = logs.event("authz_denied")
    assert_context(line, response.headers["X-Request-ID"])
    assert line["user_id"] == candidate.id
    assert line["endpoint"] == "admin.dashboard"


def test_someone_elses_object_is_an_authorisation_failure(
    client: FlaskClient, make: Factory, logs: AppLog
) -> None:
    owner, intruder = make.candidate(), make.candidate()
    application = make.application(owner.id, make.vacancy().id)
    log_in(client, intruder)
    response = client.get(f"/applications/{application.id}")
    assert response.status_code == 404
    [line] = logs.event("authz_not_found")
    assert_context(line, response.headers["X-Request-ID"])
    assert line["user_id"] == intruder.id
    assert line["endpoint"] == "portal.application"
    assert str(application.id) in str(line["object_ids"])


def test_unknown_page_is_not_an_authorisation_failure(client: FlaskClient, logs: AppLog) -> None:
    assert client.get("/no-such-page").status_code == 404
    assert logs.event("authz_not_found") == []


def test_anonymous_access_to_a_protected_page(client: FlaskClient, logs: AppLog) -> None:
    response = client.get("/applications")
    assert response.status_code == 302
    [line] = logs.event("authn_required")
    assert_context(line, response.headers["X-Request-ID"])
    assert line["endpoint"] == "portal.applications"


def test_csrf_failure_is_logged_without_the_path(client: FlaskClient, logs: AppLog) -> None:
    token = "a-reset-token-that-must-not-be-logged"
    response = client.post(f"/reset-password?token={token}", data={"password": "x"})
    assert response.status_code == 400
    [line] = logs.event("csrf_failed")
    assert_context(line, response.headers["X-Request-ID"])
    assert line["endpoint"] == "auth.reset_password"
    assert token not in logs.stream.getvalue()


def test_logout_and_reset_are_logged(app: Flask, client: FlaskClient, make: Factory) -> None:
    from tests.support.accounts import NEW_PASSWORD
    from tests.support.links import link_url, open_link, token_of
    from tests.support.resets import fulfil_reset_requests
    from tests.support.rows import outbox

    user = make.candidate()
    with app_log() as logs:
        submit(client, "/forgot-password", {"email": user.email})
        fulfil_reset_requests(app)
        link = link_url(outbox(app, "password_reset")[0], "reset_url")
        token = token_of(link)
        submit(client, open_link(client, link), {"password": NEW_PASSWORD})
        log_in(client, make.candidate())
        submit(client, "/applications", {}, action="/logout")
    assert len(logs.event("reset_requested")) == 1
    assert [line["user_id"] for line in logs.event("password_reset")] == [user.id]
    assert len(logs.event("logout")) == 1
    assert token not in logs.stream.getvalue()


def test_an_impossible_id_is_a_404_not_a_500(client: FlaskClient, make: Factory) -> None:
    log_in(client, make.candidate())
    assert client.get(f"/applications/{2**70}").status_code == 404
    assert client.get(f"/applications/{2**70}/cv").status_code == 404


def test_input_the_database_cannot_hold_is_a_logged_400(
    client: FlaskClient, make: Factory, logs: AppLog
) -> None:
    log_in(client, make.recruiter())
    response = submit(
        client,
        "/admin/applications",
        {"vacancy_id": str(10**20), "application_ids": "1", "action": "shortlist"},
        action="/admin/applications/bulk",
    )
    assert response.status_code == 400
    assert "There is a problem with your request" in response.get_data(as_text=True)
    [line] = logs.event("bad_input")
    assert_context(line, response.headers["X-Request-ID"])
    assert line["endpoint"] == "admin.bulk_action"
    assert client.get("/admin/applications").status_code == 200  # the session carries on
