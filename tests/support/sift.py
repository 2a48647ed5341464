"""Helpers shared by the board, sift and scoring tests."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import Application, OutboxMessage
from testkit.forms import submit

HREF_RE = re.compile(r'href="([^"]+)"')


def login(client: FlaskClient, user: SimpleNamespace) -> None:
    """Log in through the real login form."""
    response = submit(client, "/login", {"email": user.email, "password": user.password})
    assert response.status_code == 302


def outbox(app: Flask, template: str) -> list[OutboxMessage]:
    """Outbox rows for one email template, detached."""
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.template == template)
                .order_by(OutboxMessage.id)
            )
        )
        db.session.expunge_all()
        return rows


def application_row(app: Flask, application_id: int) -> Application:
    """The application as stored now, detached."""
    with app.app_context():
        found = db.session.get(Application, application_id)
        assert found is not None
        db.session.expunge(found)
        return found


def hrefs(html: str) -> list[str]:
    """Every href on a page, with HTML entities for & undone."""
    return [h.replace("&amp;", "&") for h in HREF_RE.findall(html)]


def form_data(**fields: Any) -> dict[str, Any]:
    """Form fields with None values dropped."""
    return {k: v for k, v in fields.items() if v is not None}
