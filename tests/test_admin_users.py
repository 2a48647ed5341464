"""Admin only: the staff list and staff invitations."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from recruit.extensions import db
from recruit.models import OutboxMessage, Role, User
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import log_in


def test_admin_invites_a_recruiter_who_starts_inactive(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    admin = make.admin(full_name="Alex Admin")
    log_in(client, admin)
    response = submit(
        client,
        "/admin/users/invite",
        {
            "full_name": "Priya Shah",
            "email": "Priya.Shah@MidlandsEngine.example",
            "role": "recruiter",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitation sent to priya.shah@midlandsengine.example" in page
    assert "Priya Shah" in page and "Invited" in page

    with app.app_context():
        user = db.session.scalar(
            select(User).where(User.email == "priya.shah@midlandsengine.example")
        )
        assert user is not None
        assert user.role is Role.RECRUITER
        assert user.is_active is False
        [row] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "recruiter_invite")
        ).all()
        assert row.recipient == "priya.shah@midlandsengine.example"
        assert row.payload["invited_by"] == "Alex Admin"


def test_admin_can_invite_a_panel_member(app: Flask, client: FlaskClient, make: Factory) -> None:
    log_in(client, make.admin())
    response = submit(
        client,
        "/admin/users/invite",
        {"full_name": "Pat Panel", "email": "pat@example.org", "role": "panel"},
    )
    assert response.status_code == 302
    with app.app_context():
        role = db.session.scalar(select(User.role).where(User.email == "pat@example.org"))
        assert role is Role.PANEL


def test_inviting_an_existing_email_is_a_form_error(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    make.candidate(email="taken@example.org")
    log_in(client, make.admin())
    response = submit(
        client,
        "/admin/users/invite",
        {"full_name": "Someone", "email": "TAKEN@example.org", "role": "admin"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "An account with that email address already exists" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_invite_validation_messages(app: Flask, client: FlaskClient, make: Factory) -> None:
    log_in(client, make.admin())
    response = submit(client, "/admin/users/invite", {"full_name": "", "email": "nope"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter their full name" in page
    assert "Enter an email address in the correct format" in page
    assert "Select a role" in page


def test_recruiters_cannot_invite(app: Flask, client: FlaskClient, make: Factory) -> None:
    recruiter = make.recruiter()
    log_in(client, recruiter)
    assert client.get("/admin/users/invite").status_code == 403
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    response = client.post(
        "/admin/users/invite",
        data={"csrf_token": token, "full_name": "X", "email": "x@example.org", "role": "admin"},
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.email == "x@example.org")) is None


def test_staff_list_shows_staff_not_candidates(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    make.candidate(full_name="Carla Candidate")
    make.recruiter(full_name="Rita Recruiter")
    log_in(client, make.admin(full_name="Alex Admin"))
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Rita Recruiter" in page and "Alex Admin" in page
    assert "Carla Candidate" not in page
    assert "govuk-table" in page
