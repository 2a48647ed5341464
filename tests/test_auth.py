"""Accounts: register, verify, log in and out, reset a password, accept an invitation."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import AccountToken, Role, TokenPurpose, User, utcnow
from testkit.factories import DEFAULT_PASSWORD, Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import NEW_PASSWORD, register, try_login
from tests.support.links import link_token, link_url, open_link, relative
from tests.support.resets import fulfil_reset_requests
from tests.support.rows import outbox


def test_register_sends_a_verification_link_that_activates_the_account(
    app: Flask, client: FlaskClient
) -> None:
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/check-your-email")
    [row] = outbox(app, "verify_email")
    assert row.recipient == "amara@example.org"
    assert try_login(client, "amara@example.org").status_code == 400  # not yet confirmed

    page = open_link(client, link_url(row, "verify_url"))
    assert page == "/verify-email"
    assert "amara@example.org" in client.get(page).get_data(as_text=True)
    response = submit(client, page, {})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")  # confirming is not logging in
    assert try_login(client, "amara@example.org").status_code == 302
    again = client.get(relative(link_url(row, "verify_url")), follow_redirects=True)
    assert again.status_code == 410  # once only


def test_register_answers_the_same_for_a_known_email(app: Flask, make: Factory) -> None:
    known = make.candidate(email="known@example.org")
    first = register(app.test_client(), email="fresh@example.org")
    second = register(app.test_client(), email=known.email)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    page_a = app.test_client().get(first.headers["Location"]).get_data(as_text=True)
    page_b = app.test_client().get(second.headers["Location"]).get_data(as_text=True)
    strip = re.compile(r'nonce="[^"]+"|value="[^"]+"')
    assert strip.sub("", page_a) == strip.sub("", page_b)
    [exists] = outbox(app, "account_exists")
    assert exists.recipient == known.email
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == known.email)) is not None
        count = len(list(db.session.scalars(select(User).where(User.email == known.email))))
        assert count == 1


def test_register_validation_messages(client: FlaskClient) -> None:
    response = register(client, full_name="", email="not-an-email", password="short")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in body
    assert "Enter your full name" in body
    assert "Enter an email address in the correct format" in body
    assert "Password must be 12 characters or more" in body


def test_password_may_not_contain_the_name(client: FlaskClient) -> None:
    response = register(client, full_name="Amara Okafor", password="okafor-okafor-123")
    assert response.status_code == 400
    assert "Password must not contain your name" in response.get_data(as_text=True)


def test_long_passwords_are_accepted(app: Flask, client: FlaskClient) -> None:
    response = register(client, password="w" * 30 + "-long passphrase-" + "z" * 40)
    assert response.status_code == 302


def test_login_and_logout(app: Flask, client: FlaskClient, make: Factory) -> None:
    user = make.candidate()
    response = try_login(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/applications")
    assert client.get("/applications").status_code == 200
    page = client.get("/applications").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token_from(page)})
    assert client.get("/applications").status_code == 302


def test_login_failure_is_the_same_for_unknown_email_and_wrong_password(
    client: FlaskClient, make: Factory
) -> None:
    user = make.candidate()
    wrong = try_login(client, user.email, "wrong password here")
    unknown = try_login(client, "nobody@example.org", "wrong password here")
    assert wrong.status_code == unknown.status_code == 400
    message = "Enter a correct email address and password"
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_login_ignores_an_offsite_next(client: FlaskClient, make: Factory) -> None:
    user = make.candidate()
    page = client.get("/login?next=//evil.example/x")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_staff_land_on_the_dashboard(client: FlaskClient, make: Factory) -> None:
    recruiter = make.recruiter()
    response = try_login(client, recruiter.email)
    assert response.headers["Location"].endswith("/admin/")


def test_password_reset_link_works_once_and_ends_other_sessions(app: Flask, make: Factory) -> None:
    user = make.candidate()
    other_device = app.test_client()
    assert try_login(other_device, user.email).status_code == 302

    client = app.test_client()
    response = submit(client, "/forgot-password", {"email": user.email})
    assert response.status_code == 302
    fulfil_reset_requests(app)  # a worker acts on the request
    [row] = outbox(app, "password_reset")
    link = link_url(row, "reset_url")
    response = submit(client, open_link(client, link), {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get(relative(link), follow_redirects=True).status_code == 410
    assert other_device.get("/applications").status_code == 302  # logged out everywhere
    assert try_login(client, user.email).status_code == 400
    assert try_login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
    assert [r.recipient for r in outbox(app, "password_changed")] == [user.email]


def test_password_reset_answers_the_same_for_unknown_email(app: Flask, make: Factory) -> None:
    user = make.candidate()
    known = submit(app.test_client(), "/forgot-password", {"email": user.email})
    unknown = submit(app.test_client(), "/forgot-password", {"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    fulfil_reset_requests(app)  # a worker acts on both requests
    assert [r.recipient for r in outbox(app, "password_reset")] == [user.email]


def test_reset_link_expires_after_thirty_minutes(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.candidate()
    submit(client, "/forgot-password", {"email": user.email})
    fulfil_reset_requests(app)  # a worker acts on the request
    [row] = outbox(app, "password_reset")
    assert row.payload["minutes"] == 30
    with app.app_context():
        token = db.session.scalar(select(AccountToken).where(AccountToken.user_id == user.id))
        assert token is not None
        lifetime = token.expires_at - token.created_at
        assert timedelta(minutes=29) < lifetime <= timedelta(minutes=30)
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    expired = client.get(relative(link_url(row, "reset_url")), follow_redirects=True)
    assert expired.status_code == 410


def test_tokens_are_stored_only_as_hashes(app: Flask, client: FlaskClient, make: Factory) -> None:
    user = make.candidate()
    submit(client, "/forgot-password", {"email": user.email})
    fulfil_reset_requests(app)  # a worker acts on the request
    [row] = outbox(app, "password_reset")
    raw = link_token(row, "reset_url")
    with app.app_context():
        stored = db.session.scalars(select(AccountToken.token_hash)).all()
    assert raw not in stored
    assert all(len(h) == 64 for h in stored)


def test_reset_with_a_bad_token_is_refused(client: FlaskClient) -> None:
    assert client.get("/reset-password?token=not-a-token").status_code == 303
    assert client.get("/reset-password").status_code == 410
    assert client.get("/reset-password/not-a-token").status_code == 410


def test_invited_recruiter_sets_a_password(app: Flask, client: FlaskClient, make: Factory) -> None:
    admin = make.admin()
    with app.app_context():
        from recruit.services.accounts import invite_staff

        inviter = db.session.get(User, admin.id)
        assert inviter is not None
        with app.test_request_context():
            invite_staff("newbie@midlandsengine.example", "Tom Ward", Role.RECRUITER, inviter)
        db.session.commit()
    [row] = outbox(app, "recruiter_invite")
    link = link_url(row, "accept_url")
    assert try_login(client, "newbie@midlandsengine.example", NEW_PASSWORD).status_code == 400
    response = submit(client, open_link(client, link), {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    assert client.get(relative(link), follow_redirects=True).status_code == 410
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "newbie@midlandsengine.example"))
        assert user is not None and user.is_active and user.role is Role.RECRUITER


def test_passwords_are_hashed_with_argon2id(app: Flask, make: Factory) -> None:
    user = make.candidate()
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert "m=19456,t=2,p=1" in stored.password_hash


def test_login_rehashes_when_parameters_rise(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.candidate()
    app.config["ARGON2_MEMORY_KIB"] = 20480
    assert try_login(client, user.email).status_code == 302
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored is not None
        assert "m=20480" in stored.password_hash


def test_verification_tokens_have_their_purpose(app: Flask, client: FlaskClient) -> None:
    register(client)
    [row] = outbox(app, "verify_email")
    token = link_token(row, "verify_url")
    wrong = client.get(f"/reset-password?token={token}", follow_redirects=True)
    assert wrong.status_code == 410  # wrong purpose
    with app.app_context():
        purposes = set(db.session.scalars(select(AccountToken.purpose)))
    assert purposes == {TokenPurpose.VERIFY_EMAIL}
