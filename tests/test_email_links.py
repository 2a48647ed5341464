"""Emailed links: the token leaves the URL at once, opening a link changes nothing, and links
do not outlive a newer link or a password reset (security issue #9, items 1 and 2)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import AccountToken, TokenPurpose, utcnow
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import NEW_PASSWORD, register, try_login
from tests.support.links import link_token, link_url, open_link, relative
from tests.support.resets import fulfil_reset_requests
from tests.support.rows import all_rows, outbox, user_row

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("verify", "reset", "invite")
TEMPLATES = {
    "verify": ("verify_email", "verify_url"),
    "reset": ("password_reset", "reset_url"),
    "invite": ("recruiter_invite", "accept_url"),
}
PAGES = {"verify": "/verify-email", "reset": "/reset-password", "invite": "/invitation"}


def newest_link(app: Flask, kind: str) -> str:
    """The link in the newest email of `kind`."""
    template, key = TEMPLATES[kind]
    return link_url(outbox(app, template)[-1], key)


def request_reset(app: Flask, email: str) -> None:
    """Ask for a reset link, and let the worker's task act on the request."""
    assert submit(app.test_client(), "/forgot-password", {"email": email}).status_code == 302
    fulfil_reset_requests(app)


def invite(app: Flask, make: Factory, email: str = "rhys@midlandsengine.example") -> None:
    """An admin invites a recruiter through the admin pages."""
    admin = app.test_client()
    owner = make.admin()
    assert try_login(admin, owner.email, owner.password).status_code == 302
    form = {"full_name": "Rhys Recruiter", "email": email, "role": "recruiter"}
    assert submit(admin, "/admin/users/invite", form).status_code == 302


def emailed_link(app: Flask, make: Factory, kind: str) -> str:
    """Have the service email a link of `kind`; return it."""
    if kind == "verify":
        assert register(app.test_client()).status_code == 302
    elif kind == "reset":
        request_reset(app, make.candidate().email)
    else:
        invite(app, make)
    return newest_link(app, kind)


def age_links(app: Flask, minutes: int) -> None:
    """Make every token look `minutes` older, as if that much time had passed."""
    with app.app_context():
        for token in db.session.scalars(select(AccountToken)):
            token.created_at -= timedelta(minutes=minutes)
        db.session.commit()


def shown(client: FlaskClient, url: str) -> Any:
    """What a browser shows after opening an emailed link."""
    return client.get(relative(url), follow_redirects=True)


# Item 1: tokens out of every request line and Referer.


@pytest.mark.parametrize("kind", KINDS)
def test_emailed_links_carry_the_token_only_in_the_query(
    app: Flask, make: Factory, kind: str
) -> None:
    url = emailed_link(app, make, kind)
    token = link_token(outbox(app, TEMPLATES[kind][0])[-1], TEMPLATES[kind][1])
    assert urlsplit(url).path == PAGES[kind]
    assert token not in urlsplit(url).path


@pytest.mark.parametrize("kind", KINDS)
def test_a_link_moves_its_token_out_of_the_url_at_once(
    app: Flask, make: Factory, kind: str
) -> None:
    url = emailed_link(app, make, kind)
    client = app.test_client()
    page = open_link(client, url)  # 303, no-referrer, no-store, token-free Location
    assert page == PAGES[kind]
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert link_token(outbox(app, TEMPLATES[kind][0])[-1], TEMPLATES[kind][1]) not in (
        response.get_data(as_text=True)
    )


def test_gunicorn_logs_neither_query_strings_nor_referers() -> None:
    settings: dict[str, Any] = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - our own config file
    assert settings["accesslog"] == "-"
    log_format = str(settings["access_log_format"])
    assert "%(m)s %(U)s %(H)s" in log_format  # method, path without its query, protocol
    for leaky in ("%(r)s", "%(q)s", "%(f)s"):  # request line, query string, Referer
        assert leaky not in log_format, leaky
    for leaky in ("{referer}i", "{query_string}e", "{raw_uri}e", "{http_referer}e"):
        assert leaky not in log_format.lower(), leaky


def test_links_from_before_tokens_left_the_path_no_longer_work(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    """Their tokens may sit in old access logs: refused in either shape of link."""
    person = make.candidate(verified=False)
    raw = "an-old-style-token-that-an-access-log-recorded"
    with app.app_context():
        db.session.add(
            AccountToken(
                user_id=person.id,
                purpose=TokenPurpose.VERIFY_EMAIL,
                token_hash=hashlib.sha256(raw.encode()).hexdigest(),
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        db.session.commit()
    assert client.get(f"/verify/{raw}").status_code == 410
    assert client.get(f"/verify-email?token={raw}", follow_redirects=True).status_code == 410
    assert user_row(app, person.email).email_verified_at is None


# Item 2: verification links confirm an address; they never log anyone in.


def test_opening_a_verification_link_changes_nothing(app: Flask, make: Factory) -> None:
    url = emailed_link(app, make, "verify")
    before = all_rows(app)
    client = app.test_client()
    page = shown(client, url)
    assert page.status_code == 200
    assert "Confirm your email address" in page.get_data(as_text=True)
    assert all_rows(app) == before
    assert user_row(app, "amara@example.org").email_verified_at is None
    assert client.get("/applications").status_code == 302  # nobody is logged in


def test_confirming_an_address_asks_the_owner_to_log_in(app: Flask, make: Factory) -> None:
    url = emailed_link(app, make, "verify")
    client = app.test_client()
    response = submit(client, open_link(client, url), {})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert user_row(app, "amara@example.org").email_verified_at is not None
    assert client.get("/applications").status_code == 302  # still nobody logged in
    assert try_login(client, "amara@example.org").status_code == 302


def test_an_attackers_verification_link_signs_nobody_in(app: Flask, make: Factory) -> None:
    """Login CSRF: a victim's browser made to open (and even confirm) the attacker's link."""
    url = emailed_link(app, make, "verify")  # the attacker's own account, amara@example.org
    victim = make.candidate(full_name="Vera Victim")
    signed_in, anonymous = app.test_client(), app.test_client()
    assert try_login(signed_in, victim.email).status_code == 302
    for browser in (signed_in, anonymous):
        assert shown(browser, url).status_code == 200
    assert submit(signed_in, "/verify-email", {}).status_code == 302
    page = signed_in.get("/applications")
    assert page.status_code == 200 and "Vera Victim" in page.get_data(as_text=True)
    assert "Amara Okafor" not in page.get_data(as_text=True)
    assert anonymous.get("/applications").status_code == 302


def test_a_new_verification_link_voids_the_older_ones(app: Flask, make: Factory) -> None:
    first = emailed_link(app, make, "verify")
    age_links(app, minutes=6)
    assert try_login(app.test_client(), "amara@example.org").status_code == 400  # mails a new link
    second = newest_link(app, "verify")
    assert second != first
    assert shown(app.test_client(), first).status_code == 410
    assert shown(app.test_client(), second).status_code == 200


def test_unverified_logins_mail_at_most_one_link_every_five_minutes(
    app: Flask, make: Factory
) -> None:
    emailed_link(app, make, "verify")
    for _ in range(3):
        refused = try_login(app.test_client(), "amara@example.org")
        assert refused.status_code == 400
        # The page promises only what happens: no new link on every attempt.
        assert "We send a new one at most every 5 minutes" in refused.get_data(as_text=True)
    assert len(outbox(app, "verify_email")) == 1
    age_links(app, minutes=6)
    assert try_login(app.test_client(), "amara@example.org").status_code == 400
    assert len(outbox(app, "verify_email")) == 2


def test_a_password_reset_voids_every_outstanding_link(app: Flask, make: Factory) -> None:
    verify = emailed_link(app, make, "verify")
    invitation = emailed_link(app, make, "invite")
    for email in ("amara@example.org", "rhys@midlandsengine.example"):
        request_reset(app, email)
        client = app.test_client()
        page = shown(client, newest_link(app, "reset")).request.path  # wherever the link lands
        assert submit(client, page, {"password": NEW_PASSWORD}).status_code == 302
    assert shown(app.test_client(), verify).status_code == 410
    assert shown(app.test_client(), invitation).status_code == 410
