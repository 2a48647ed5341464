"""Server-side sessions: new id at login, server-side logout, idle and absolute timeouts."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from recruit.extensions import db
from recruit.models import WebSession, utcnow
from tests.factories import Factory
from tests.support.forms import csrf_token_from, submit

COOKIE = "session"


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def log_in(client: FlaskClient, email: str, password: str) -> None:
    response = submit(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


def logged_in(client: FlaskClient) -> bool:
    return client.get("/admin/").status_code == 200


def test_login_issues_a_new_session_id_and_the_old_one_dies(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.recruiter()
    client.get("/login")
    before = session_cookie(client)
    assert before, "the login form's CSRF token lives in a session"
    log_in(client, user.email, user.password)
    after = session_cookie(client)
    assert after and after != before
    assert logged_in(client)

    replay = app.test_client()
    replay.set_cookie(COOKIE, before)
    assert not logged_in(replay)


def test_logout_kills_the_session_on_the_server(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.recruiter()
    log_in(client, user.email, user.password)
    stolen = session_cookie(client)
    assert stolen
    page = client.get("/admin/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token_from(page)})
    attacker = app.test_client()
    attacker.set_cookie(COOKIE, stolen)
    assert not logged_in(attacker)
    with app.app_context():
        rows = db.session.scalars(select(WebSession).where(WebSession.user_id == user.id)).all()
    assert rows == []


def test_idle_timeout_is_enforced_on_the_server(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.recruiter()
    log_in(client, user.email, user.password)
    with app.app_context():
        db.session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
        db.session.commit()
    assert not logged_in(client)


def test_activity_keeps_a_session_alive_within_the_idle_limit(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.recruiter()
    log_in(client, user.email, user.password)
    with app.app_context():
        db.session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=29)))
        db.session.commit()
    assert logged_in(client)


def test_absolute_timeout_is_enforced_on_the_server(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.recruiter()
    log_in(client, user.email, user.password)
    with app.app_context():
        db.session.execute(
            update(WebSession).values(created_at=utcnow() - timedelta(hours=12, minutes=1))
        )
        db.session.commit()
    assert not logged_in(client)


def test_cookie_flags_and_only_a_hash_is_stored(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.recruiter()
    page = client.get("/login")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/login", data={"email": user.email, "password": user.password, "csrf_token": token}
    )
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    sid = session_cookie(client)
    with app.app_context():
        hashes = db.session.scalars(select(WebSession.id_hash)).all()
    assert sid not in hashes
    assert all(len(h) == 64 for h in hashes)
