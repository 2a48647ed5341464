"""Watching the SQL an app sends, and acting at a chosen statement (a race, made to happen)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

from recruit.extensions import db


@contextmanager
def listening(app: Flask, hook: Callable[[str], None]) -> Iterator[None]:
    """Call `hook(statement)` before each statement `app`'s engine sends while the block runs."""

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        hook(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextmanager
def before_first(
    app: Flask, prefix: str | tuple[str, ...], action: Callable[[], None]
) -> Iterator[list[bool]]:
    """Run `action()` once, just before the first statement starting with `prefix` (or with one
    of several) is sent.

    Yields a list that holds True once the action has run. The action should do its work on a
    connection of its own (`db.engine.begin()`), as another request would.
    """
    done: list[bool] = []

    prefixes = tuple(p.upper() for p in ((prefix,) if isinstance(prefix, str) else prefix))

    def hook(statement: str) -> None:
        if not done and " ".join(statement.split()).upper().startswith(prefixes):
            done.append(True)
            action()

    with listening(app, hook):
        yield done
