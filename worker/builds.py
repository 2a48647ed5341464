"""The one shape of a worker-built file: claim, give up after too many tries, build, finish.

Exports, equality reports and subject access packs are built alike; each task names its steps
(a `Build`) and `run` takes one job through them, owning the transaction as tasks do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from logging import Logger
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from recruit.extensions import db

MAX_ATTEMPTS = 3


class Attempted(Protocol):
    """A job row that counts its claims."""

    attempts: int


Job = TypeVar("Job", bound=Attempted)


def with_message(exc: Exception) -> str:
    """What a failed build records: the error's kind and its message."""
    return f"{exc.__class__.__name__}: {exc}"


def kind_only(exc: Exception) -> str:
    """What a failed build records when the message might quote data: the error's kind only."""
    return exc.__class__.__name__


@dataclass(frozen=True)
class Build(Generic[Job]):
    """What one kind of job does at each step, and what the log calls it."""

    name: str
    log: Logger
    claim: Callable[[int], Job | None]
    build: Callable[[Job], Path]
    finish: Callable[[Job, Path], None]
    fail: Callable[[Job, str], None]
    error_text: Callable[[Exception], str] = with_message
    max_attempts: int = MAX_ATTEMPTS


def run(steps: Build[Job], job_id: int) -> tuple[str, Job | None]:
    """Take the job through its steps: ("ready", the job), or ("skipped" or "failed", None)."""
    log = steps.log
    job = steps.claim(job_id)
    if job is None:
        db.session.rollback()
        log.info("%s %s skipped: finished or being built elsewhere", steps.name, job_id)
        return "skipped", None
    db.session.commit()  # the claim is visible before the long build starts
    if job.attempts > 1:
        log.warning(
            "%s %s taken over (attempt %s): its last worker was lost",
            steps.name,
            job_id,
            job.attempts,
        )
    if job.attempts > steps.max_attempts:
        steps.fail(job, f"gave up after {steps.max_attempts} attempts")
        db.session.commit()
        return "failed", None
    try:
        path = steps.build(job)
    except Exception as exc:  # record any failure on the job so its page shows it
        db.session.rollback()
        log.exception("%s %s failed", steps.name, job_id)
        steps.fail(job, steps.error_text(exc))
        db.session.commit()
        return "failed", None
    # End the long read before writing: SQLite cannot upgrade a stale WAL snapshot to a write.
    db.session.commit()
    steps.finish(job, path)
    db.session.commit()
    return "ready", job
