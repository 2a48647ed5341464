"""Helpers for the API tests: personal access tokens and bearer headers."""

from __future__ import annotations

import re
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from recruit.extensions import db
from recruit.models import AuditEvent, TokenScope, User
from recruit.services import api_tokens
from testkit.forms import submit
from testkit.statements import listening
from tests.support.accounts import log_in

NEW_TOKEN_RE = re.compile(r'id="new-token">([^<]+)<')


def issue_token(
    app: Flask, user: SimpleNamespace, scope: TokenScope = TokenScope.READ, days: int = 30
) -> tuple[int, str]:
    """A live token for `user` made through the service: its id and its secret."""
    with app.app_context():
        owner = db.session.get(User, user.id)
        assert owner is not None
        token, secret = api_tokens.issue(owner, "Test token", scope, days)
        db.session.commit()
        return token.id, secret


def token_from_page(client: FlaskClient, user: SimpleNamespace, scope: str = "read") -> str:
    """Log in and make a token on the API tokens page, as a person would; its secret."""
    log_in(client, user)
    form = {"name": "Website feed", "scope": scope, "lifetime": "30"}
    response = submit(client, "/admin/tokens", form)
    assert response.status_code == 200, response.get_data(as_text=True)
    found = NEW_TOKEN_RE.search(response.get_data(as_text=True))
    assert found is not None, "the page must show the new token once"
    return found.group(1)


def bearer(secret: str, if_match: str | None = None) -> dict[str, str]:
    """The Authorization header for a token, and `If-Match` when an ETag is given."""
    headers = {"Authorization": f"Bearer {secret}"}
    if if_match is not None:
        headers["If-Match"] = if_match
    return headers


def count_selects(app: Flask, secret: str, url: str) -> int:
    """How many SELECTs answering a GET of `url` with the token takes (it must answer 200)."""
    statements: list[str] = []
    with listening(app, statements.append):
        response = app.test_client().get(url, headers=bearer(secret))
    assert response.status_code == 200, response.get_data(as_text=True)
    return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))


def admin_access_details(app: Flask, *where: Any) -> list[str]:
    """The details of the audited admin accesses (`admin_application_access`) matching `where`."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.detail).where(
                    AuditEvent.event == "admin_application_access", *where
                )
            )
        )


def new_vacancy(**changes: Any) -> dict[str, Any]:
    """A valid API body for a new vacancy, closing at 5pm in three weeks.

    The same all day, so two calls make the same body (an Idempotency-Key's retry must).
    """
    closes = (datetime.now(UTC) + timedelta(days=21)).replace(
        hour=17, minute=0, second=0, microsecond=0
    )
    body: dict[str, Any] = {
        "title": "Director of Skills",
        "summary": "Lead the skills programme across the Midlands.",
        "description": "A senior role.\n\nSecond paragraph.",
        "location": "Derby (hybrid)",
        "salary_band": "£90,000 to £100,000",
        "contract_type": "permanent",
        "themes": ["skills"],
        "sectors": ["future-food-processing"],
        "essential": ["Leadership of a skills programme", "  Partnership working  "],
        "desirable": ["A further education background"],
        "closes_at": closes.isoformat(),
    }
    body.update(changes)
    return body


def waiting_for_locks(app: Flask) -> int:
    """How many sessions of this database wait for a lock (PostgreSQL)."""
    with app.app_context():
        count = db.session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
        )
        db.session.rollback()
        return int(count or 0)


def race(
    app: Flask,
    backend: str,
    threads: list[threading.Thread],
    hold: str,
    params: dict[str, Any],
) -> None:
    """Run `threads` to the end; on PostgreSQL, hold `hold` (a statement that takes a lock)
    until every thread waits behind it, so all have passed their checks before any writes."""
    with ExitStack() as stack:
        if backend == "postgresql":
            with app.app_context():
                holder = stack.enter_context(db.engine.connect())
            stack.callback(holder.rollback)
            holder.execute(text(hold), params)
        for thread in threads:
            thread.start()
        if backend == "postgresql":
            deadline = time.monotonic() + 60
            while waiting_for_locks(app) < len(threads) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert waiting_for_locks(app) == len(threads), "every request should be waiting"
    for thread in threads:
        thread.join(timeout=60)
