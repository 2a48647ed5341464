"""Reading rows back in tests: detached copies of what the database holds now."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import ColumnElement, inspect, select

from recruit.extensions import db
from recruit.models import Application, Base, OutboxMessage, User

Row = TypeVar("Row", bound=Base)


def rows(app: Flask, model: type[Row], *where: ColumnElement[bool]) -> list[Row]:
    """Rows of `model` that match every condition, in primary-key order (oldest first), detached."""
    with app.app_context():
        query = select(model).where(*where).order_by(*inspect(model).primary_key)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def stored(app: Flask, model: type[Row], row_id: int) -> Row:
    """The row of `model` with this primary key as stored now, detached; it must exist."""
    with app.app_context():
        found = db.session.get(model, row_id)
        assert found is not None, f"no {model.__name__} {row_id}"
        db.session.expunge_all()
        return found


def outbox(app: Flask, template: str | None = None) -> list[OutboxMessage]:
    """Outbox rows (queued emails and requests), oldest first, optionally of one template."""
    where = [OutboxMessage.template == template] if template is not None else []
    return rows(app, OutboxMessage, *where)


def user_row(app: Flask, email: str) -> User:
    """The account with this email, detached; it must exist."""
    found = rows(app, User, User.email == email)
    assert len(found) == 1, email
    return found[0]


def only_application(app: Flask) -> Application:
    """The single application in the database, detached with what tests read."""
    with app.app_context():
        found = db.session.scalars(select(Application)).all()
        assert len(found) == 1
        row = found[0]
        _ = row.evidence, row.history, row.cv_file
        db.session.expunge_all()
        return row


def all_rows(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (sessions aside, which change on any request by design)."""
    with app.app_context():
        return {
            table.name: sorted((tuple(row) for row in db.session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
            if table.name != "web_sessions"
        }
