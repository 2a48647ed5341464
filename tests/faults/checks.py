"""Reading the outcome from the database and the mail server, bounded in time."""

from __future__ import annotations

import time
from collections import Counter

from sqlalchemy import func, select

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, OutboxMessage, OutboxStatus, Vacancy
from tests.faults.stack import Stack


def outbox_counts(stack: Stack, kind: str | None = "email") -> tuple[dict[str, int], int]:
    """Rows of `kind` (every kind for None) per status, and their attempts summed.

    Emails by default: a submit also writes a submission notice, from which the worker queues
    its emails (recruit.services.submission_notices).
    """
    where = [] if kind is None else [OutboxMessage.kind == kind]
    with stack.app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.status, func.count()).where(*where).group_by(OutboxMessage.status)
        ).all()
        attempts = db.session.scalar(select(func.sum(OutboxMessage.attempts)).where(*where)) or 0
        db.session.rollback()
    return {OutboxStatus(s).value: int(n) for s, n in rows}, int(attempts)


def wait_all_sent(stack: Stack, expected: int, bound: float) -> float:
    """Wait until `expected` emails are sent and no row of any kind is left; the seconds taken."""
    began = time.monotonic()
    while time.monotonic() - began < bound:
        emails, _ = outbox_counts(stack)
        every, _ = outbox_counts(stack, None)
        if emails.get("sent", 0) >= expected and sum(every.values()) == every.get("sent", 0):
            break
        time.sleep(1)
    return round(time.monotonic() - began, 1)


def submitted_per_candidate(stack: Stack, vacancy_id: int) -> Counter[int]:
    """How many submitted applications each candidate has for the vacancy."""
    with stack.app.app_context():
        ids = db.session.scalars(
            select(Application.candidate_id).where(
                Application.vacancy_id == vacancy_id,
                Application.status == ApplicationStatus.SUBMITTED,
            )
        ).all()
        db.session.rollback()
    return Counter(ids)


def log_tails(stack: Stack, lines: int = 40) -> str:
    """The last lines each background process logged, for a failure's message."""
    parts = []
    for process in stack.processes():
        tail = process.log().splitlines()[-lines:]
        parts.append(f"--- {process.name} (alive: {process.alive})\n" + "\n".join(tail))
    return "\n".join(parts)


def duplicates(ids: list[str]) -> int:
    """How many Message-IDs arrived more than once (extra copies counted)."""
    return len(ids) - len(set(ids))


def receipt_margin(stack: Stack, vacancy_id: int) -> float:
    """Seconds between the latest submission's receipt and the vacancy's closing time."""
    with stack.app.app_context():
        closes = db.session.scalar(select(Vacancy.closes_at).where(Vacancy.id == vacancy_id))
        latest = db.session.scalar(
            select(func.max(Application.submitted_at)).where(Application.vacancy_id == vacancy_id)
        )
        db.session.rollback()
    assert closes is not None and latest is not None
    return (closes - latest).total_seconds()
