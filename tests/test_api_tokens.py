"""Personal access tokens (issue #14): made on a page and shown once, stored hashed, scoped,
expiring, revocable, every use audited, rate-limited per token; the session cookie never
authorises an API request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from recruit.api.auth import authenticate
from recruit.api.problems import MEDIA_TYPE, ProblemError
from recruit.extensions import db
from recruit.models import ApiToken, AuditEvent, Role, TokenScope, User, utcnow
from recruit.services import api_tokens
from testkit.factories import Factory
from testkit.forms import submit
from tests.conftest import AppFactory
from tests.support.access import database_rows
from tests.support.accounts import log_in
from tests.support.api import bearer, issue_token, token_from_page


def token_row(app: Flask, token_id: int | None = None) -> ApiToken:
    with app.app_context():
        stmt = select(ApiToken).order_by(ApiToken.id.desc())
        if token_id is not None:
            stmt = stmt.where(ApiToken.id == token_id)
        row = db.session.scalars(stmt).first()
        assert row is not None
        db.session.expunge(row)
        return row


def events(app: Flask, name: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == name)))
        db.session.expunge_all()
        return found


def test_a_token_made_on_the_page_is_shown_once_and_stored_hashed(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    recruiter = make.recruiter()
    secret = token_from_page(client, recruiter)
    assert secret.startswith("rct_") and len(secret) > 40
    assert secret not in client.get("/admin/tokens").get_data(as_text=True)
    row = token_row(app)
    assert row.token_hash == api_tokens.digest(secret) and row.scope is TokenScope.READ
    assert secret not in repr(database_rows(app)), "the secret itself is never stored"
    assert row.prefix in client.get("/admin/tokens").get_data(as_text=True)
    assert [e.actor_id for e in events(app, "api_token_created")] == [recruiter.id]


def test_a_token_acts_as_its_owner_and_every_use_is_logged(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    recruiter = make.recruiter()
    token_id, secret = issue_token(app, recruiter)
    api = app.test_client()  # no cookie at all
    for _ in range(2):
        response = api.get("/api/v1/me", headers=bearer(secret))
        assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["user_id"] == recruiter.id and body["role"] == "recruiter"
    assert body["token"]["id"] == token_id and body["token"]["scope"] == "read"
    assert secret not in response.get_data(as_text=True)
    assert token_row(app, token_id).last_used_at is not None
    used = events(app, "api_token_used")
    assert len(used) == 2 and {e.actor_id for e in used} == {recruiter.id}
    assert all("api_v1.me" in e.detail and secret not in e.detail for e in used)


@pytest.mark.parametrize(
    "header",
    ["Bearer rct_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer x" * 60, "Token abc"],
)
def test_a_bad_credential_is_401_with_a_challenge(client: FlaskClient, header: str) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401 and response.mimetype == MEDIA_TYPE
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="recruit"')


def test_the_session_cookie_never_authorises_the_api(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    recruiter = make.recruiter()
    token_id, _ = issue_token(app, recruiter)
    log_in(client, recruiter)
    assert client.get("/admin/tokens").status_code == 200  # the session is good for the site
    assert client.get("/api/v1/me").status_code == 401
    # A write with the session and a valid CSRF token: still refused, and nothing changes.
    response = submit(client, "/admin/tokens", {}, action="/api/v1/me/revoke")
    assert response.status_code == 401
    assert token_row(app, token_id).revoked_at is None


def test_revoked_and_expired_tokens_are_refused(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    recruiter = make.recruiter()
    revoked_id, revoked = issue_token(app, recruiter)
    expired_id, expired = issue_token(app, recruiter)
    log_in(client, recruiter)
    response = submit(
        client, "/admin/tokens", {"token_id": str(revoked_id)}, action="/admin/tokens/revoke"
    )
    assert response.status_code == 302
    with app.app_context():
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.id == expired_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    api = app.test_client()
    for secret in (revoked, expired):
        response = api.get("/api/v1/me", headers=bearer(secret))
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert [e.detail for e in events(app, "api_token_revoked")] == [f"token {revoked_id}"]


def test_only_the_owner_or_an_admin_revokes_a_token(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    owner, other, admin = make.recruiter(), make.recruiter(), make.admin()
    token_id, secret = issue_token(app, owner)
    log_in(client, other)
    assert f"token {token_id}" not in client.get("/admin/tokens").get_data(as_text=True)
    response = submit(
        client, "/admin/tokens", {"token_id": str(token_id)}, action="/admin/tokens/revoke"
    )
    assert response.status_code == 302
    assert token_row(app, token_id).revoked_at is None
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 200
    admin_client = app.test_client()
    log_in(admin_client, admin)
    assert owner.full_name in admin_client.get("/admin/tokens").get_data(as_text=True)
    response = submit(
        admin_client, "/admin/tokens", {"token_id": str(token_id)}, action="/admin/tokens/revoke"
    )
    assert response.status_code == 302
    assert token_row(app, token_id).revoked_at is not None


def test_a_token_may_revoke_itself(app: Flask, make: Factory) -> None:
    token_id, secret = issue_token(app, make.admin())
    api = app.test_client()
    assert api.post("/api/v1/me/revoke", headers=bearer(secret)).status_code == 204
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert token_row(app, token_id).revoked_at is not None


def test_a_token_dies_with_its_owners_staff_rights(app: Flask, make: Factory) -> None:
    recruiter = make.recruiter()
    _, secret = issue_token(app, recruiter)
    api = app.test_client()
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    for change in ({"role": Role.PANEL}, {"role": Role.RECRUITER, "is_disabled": True}):
        with app.app_context():
            db.session.execute(update(User).where(User.id == recruiter.id).values(**change))
            db.session.commit()
        assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_only_staff_may_hold_tokens(app: Flask, make: Factory) -> None:
    for person in (make.candidate(), make.panel_member(), make.user(Role.EQUALITY)):
        with app.app_context(), pytest.raises(PermissionError):
            owner = db.session.get(User, person.id)
            assert owner is not None
            api_tokens.issue(owner, "x", TokenScope.READ, 30)


def test_each_token_has_its_own_rate_limit(
    app_factory: AppFactory, make: Factory, store: dict[str, Any]
) -> None:
    app = app_factory(API_RATELIMIT_PER_TOKEN=3, **store)
    _, first = issue_token(app, make.recruiter())
    _, second = issue_token(app, make.recruiter())
    api = app.test_client()
    statuses = [api.get("/api/v1/me", headers=bearer(first)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api.get("/api/v1/me", headers=bearer(first))
    assert refused.mimetype == MEDIA_TYPE and int(refused.headers["Retry-After"]) >= 1
    assert api.get("/api/v1/me", headers=bearer(second)).status_code == 200


@pytest.mark.parametrize(("scope", "allowed"), [(TokenScope.READ, False), (TokenScope.WRITE, True)])
def test_only_a_write_token_passes_a_write_check(
    app: Flask, make: Factory, scope: TokenScope, allowed: bool
) -> None:
    """The scope rule every write endpoint relies on: a read token is refused with 403."""
    token_id, secret = issue_token(app, make.recruiter(), scope)
    with app.test_request_context("/api/v1/me", method="POST", headers=bearer(secret)):
        if allowed:
            assert authenticate(TokenScope.WRITE).id == token_id
        else:
            with pytest.raises(ProblemError) as refused:
                authenticate(TokenScope.WRITE)
            assert refused.value.code == 403
            assert refused.value.extensions == {"required_scope": "write"}
        # Reading is within every scope.
        assert authenticate(TokenScope.READ).id == token_id


def test_the_form_explains_what_is_missing(app: Flask, client: FlaskClient, make: Factory) -> None:
    log_in(client, make.recruiter())
    response = submit(client, "/admin/tokens", {"name": "", "scope": "admin", "lifetime": "9999"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter a name for the token" in html and "There is a problem" in html
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None
