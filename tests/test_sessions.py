"""Server-side sessions: new id at login, server-side logout, idle and absolute timeouts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select, update
from werkzeug.test import TestResponse

from recruit.celery_config import beat_schedule
from recruit.extensions import db
from recruit.models import WebSession, utcnow
from recruit.web.sessions import purge_expired
from testkit.factories import Factory
from testkit.forms import csrf_token_from
from testkit.statements import listening
from tests.conftest import AppFactory
from tests.support.accounts import log_in

COOKIE = "session"


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def logged_in(client: FlaskClient) -> bool:
    return client.get("/admin/").status_code == 200


def test_login_issues_a_new_session_id_and_the_old_one_dies(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.recruiter()
    client.get("/login")
    before = session_cookie(client)
    assert before, "the login form's CSRF token lives in a session"
    log_in(client, user)
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
    log_in(client, user)
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
    log_in(client, user)
    with app.app_context():
        db.session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
        db.session.commit()
    assert not logged_in(client)


def test_activity_keeps_a_session_alive_within_the_idle_limit(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.recruiter()
    log_in(client, user)
    with app.app_context():
        db.session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=29)))
        db.session.commit()
    assert logged_in(client)


def test_absolute_timeout_is_enforced_on_the_server(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.recruiter()
    log_in(client, user)
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


def session_rows(app: Flask) -> list[dict[str, object]]:
    with app.app_context():
        return [dict(data) for data in db.session.scalars(select(WebSession.data))]


def session_writes(app: Flask) -> tuple[list[str], Callable[[str], None]]:
    """A list that collects every statement that writes to the sessions table, and its hook."""
    writes: list[str] = []

    def hook(statement: str) -> None:
        words = statement.split()
        if (
            words
            and words[0].upper() in ("INSERT", "UPDATE", "DELETE")
            and "web_sessions" in statement
        ):
            writes.append(words[0].upper())

    return writes, hook


def cookies_set(response: TestResponse) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_pages_without_forms_store_no_session_and_set_no_cookie(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    pages = ["/", "/vacancies", "/vacancies?theme=skills", f"/vacancies/{vacancy.reference}"]
    for path in [*pages, "/healthz", "/no-such-page"]:
        assert cookies_set(client.get(path)) == [], path
    assert session_rows(app) == []

    # The login form's CSRF token needs a session: one row, one cookie.
    assert cookies_set(client.get("/login"))
    [stored] = session_rows(app)
    assert set(stored) == {"csrf_token"}

    # Browsing on with that session changes nothing: no write, no Set-Cookie.
    writes, hook = session_writes(app)
    with listening(app, hook):
        for path in pages:
            assert cookies_set(client.get(path)) == [], path
    assert writes == []
    assert session_rows(app) == [stored]


def test_a_session_used_from_another_client_is_logged_out_and_an_anonymous_one_left_alone(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.recruiter()
    log_in(client, user)
    stolen = session_cookie(client)
    assert stolen
    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen)
    thief.environ_base["HTTP_USER_AGENT"] = "another browser"
    assert not logged_in(thief)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(WebSession.user_id.is_not(None))) == 0

    # An anonymous session binds nobody: another agent's pages neither rewrite it nor set cookies.
    visitor = app.test_client()
    visitor.get("/login")
    visitor.environ_base["HTTP_USER_AGENT"] = "the same visitor, updated"
    writes, hook = session_writes(app)
    with listening(app, hook):
        assert cookies_set(visitor.get("/vacancies")) == []
    assert writes == []


def test_production_cookie_takes_the_host_prefix(app_factory: AppFactory) -> None:
    app = app_factory(ENV="production")
    user = Factory(app).recruiter()
    client = app.test_client()
    base = "https://recruit.test"
    page = client.get("/login", base_url=base)
    [header] = cookies_set(page)
    name, _, rest = header.partition("=")
    attributes = {part.strip().split("=")[0].lower() for part in rest.split(";")[1:]}
    assert name == "__Host-session"
    assert {"secure", "httponly", "path", "samesite"} <= attributes
    assert "domain" not in attributes
    assert "; Path=/;" in header
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": user.email, "password": user.password, "csrf_token": token},
        base_url=base,
        headers={"Referer": f"{base}/login"},  # over HTTPS the CSRF check wants the same origin
    )
    assert response.status_code == 302
    assert client.get("/admin/", base_url=base).status_code == 200
    assert client.get_cookie("session") is None


def test_expired_sessions_are_purged_on_a_schedule(app: Flask) -> None:
    from worker.tasks import PURGE_SESSIONS_TASK

    entries = [e for e in beat_schedule(app.config).values() if e["task"] == PURGE_SESSIONS_TASK]
    assert PURGE_SESSIONS_TASK == "recruit.sessions.purge"
    assert len(entries) == 1
    assert entries[0]["schedule"] <= timedelta(minutes=30)
    now = utcnow()
    ages = {"idle": (now, now - timedelta(minutes=31)), "old": (now - timedelta(hours=13), now)}
    ages["fresh"] = (now - timedelta(hours=1), now - timedelta(minutes=5))
    with app.app_context():
        for name, (created, seen) in ages.items():
            db.session.execute(
                insert(WebSession).values(
                    id_hash=name.ljust(64, "0"), data={}, created_at=created, last_seen_at=seen
                )
            )
        db.session.commit()
        assert purge_expired(app) == 2
        assert db.session.scalars(select(WebSession.id_hash)).all() == ["fresh".ljust(64, "0")]


def signed_in_and_settled(client: FlaskClient, make: Factory) -> int:
    """Log a recruiter in and open one page (which shows, and so clears, the login message):
    from then on their pages leave the stored session's data as it is. Their id."""
    user = make.recruiter()
    log_in(client, user)
    assert logged_in(client)
    return user.id


def stored_last_seen(app: Flask, user_id: int) -> datetime:
    """The last-seen time of the user's stored session."""
    with app.app_context():
        return db.session.scalars(
            select(WebSession.last_seen_at).where(WebSession.user_id == user_id)
        ).one()


def seen_ago(app: Flask, ago: timedelta) -> datetime:
    """Set the stored session's last-seen time `ago` in the past; return it."""
    when = utcnow() - ago
    with app.app_context():
        db.session.execute(update(WebSession).values(last_seen_at=when))
        db.session.commit()
    return when


def test_a_due_last_seen_is_refreshed_by_the_read_itself_on_postgresql(
    app: Flask, client: FlaskClient, make: Factory, backend: str
) -> None:
    user_id = signed_in_and_settled(client, make)
    seen_ago(app, timedelta(minutes=5))
    sent: list[str] = []
    with listening(app, sent.append):
        assert logged_in(client)
    assert utcnow() - stored_last_seen(app, user_id) < timedelta(minutes=1)
    separate = [s for s in sent if s.lstrip().startswith("UPDATE web_sessions")]
    # PostgreSQL: one statement reads and refreshes; SQLite: a separate UPDATE after the page.
    assert len(separate) == (0 if backend == "postgresql" else 1)


def test_a_fresh_last_seen_is_not_written_again(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user_id = signed_in_and_settled(client, make)
    before = seen_ago(app, timedelta(seconds=20))
    assert logged_in(client)
    assert stored_last_seen(app, user_id) == before


def test_the_read_never_refreshes_an_expired_session_back_to_life(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user_id = signed_in_and_settled(client, make)
    before = seen_ago(app, timedelta(minutes=31))
    assert not logged_in(client)
    assert stored_last_seen(app, user_id) == before
    assert not logged_in(client), "still expired on the next request"
