"""Loading the demo vacancies and demo recruiter. The caller commits."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from recruit.cli.demo_data import DEMO_VACANCIES, description_for
from recruit.extensions import db
from recruit.formatting import UK
from recruit.models import (
    Criterion,
    CriterionKind,
    Role,
    User,
    Vacancy,
    VacancyRecruiter,
    VacancySector,
    VacancyStatus,
    VacancyTheme,
    utcnow,
)
from recruit.passwords import hash_password, password_problem, verify_password
from recruit.services import accounts

DEMO_RECRUITER_EMAIL = "recruiter@midlandsengine.example"
DEMO_RECRUITER_NAME = "Priya Shah"
# Where the demo recruiter's password is kept between runs, in the instance folder, so every
# `make run` can print it; readable by its owner only (mode 0600).
PASSWORD_FILE_NAME = "demo-recruiter-password"  # noqa: S105 - a file name


def closing_time(days_ahead: int) -> datetime:
    """5pm UK time, `days_ahead` days from today, as UTC."""
    day = datetime.now(UK).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(17, 0), tzinfo=UK).astimezone(UTC)


def demo_password_problem(password: str) -> str | None:
    """Why `password` cannot be the demo recruiter's, or None: the usual policy applies."""
    return password_problem(password, DEMO_RECRUITER_NAME, DEMO_RECRUITER_EMAIL)


def generate_password() -> str:
    """A fresh random password that the password policy accepts."""
    while True:
        # 20 random characters (about 120 bits) in four groups, easy to copy from a terminal.
        raw = secrets.token_urlsafe(15)
        candidate = "-".join(raw[i : i + 5] for i in range(0, len(raw), 5))
        if demo_password_problem(candidate) is None:
            return candidate


def read_password_file(path: Path) -> str | None:
    """The password kept in `path`, or None if there is none."""
    try:
        kept = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return kept or None


def write_password_file(path: Path, password: str) -> None:
    """Keep `password` in `path`, readable and writable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 from the start, never world-readable even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    path.chmod(0o600)  # an older file may have been created with looser permissions


def choose_password(given: str | None, kept_in: Path) -> str:
    """The password to give the demo recruiter: `given`, else the kept one, else a new one.

    Raises ValueError if `given` breaks the password policy.
    """
    if given:
        problem = demo_password_problem(given)
        if problem:
            raise ValueError(problem)
        return given
    kept = read_password_file(kept_in)
    if kept is not None and demo_password_problem(kept) is None:
        return kept
    # No password yet, or one from before the policy refused it (the old published default).
    return generate_password()


def demo_recruiter(password: str) -> User:
    """The demo recruiter, created on first use; an existing one gets `password` if it differs."""
    existing = accounts.find_user_by_email(DEMO_RECRUITER_EMAIL)
    if existing is None:
        return accounts.create_staff_user(
            DEMO_RECRUITER_EMAIL, DEMO_RECRUITER_NAME, Role.RECRUITER, password
        )
    if not verify_password(existing.password_hash, password):
        existing.password_hash = hash_password(password)
        existing.session_generation += 1  # sessions opened with the old password end
    return existing


def load_demo(recruiter_password: str) -> int:
    """Add any demo vacancy not already present; return how many were added."""
    recruiter = demo_recruiter(recruiter_password)
    known = set(db.session.scalars(select(Vacancy.reference)))
    added = 0
    for item in DEMO_VACANCIES:
        if item["reference"] in known:
            continue
        vacancy = Vacancy(
            reference=item["reference"],
            title=item["title"],
            summary=item["summary"],
            description=description_for(item),
            location=item["location"],
            salary_band=item["salary_band"],
            contract_type=item["contract_type"],
            closes_at=closing_time(item["closes_in_days"]),
            status=VacancyStatus.PUBLISHED,
            statement_word_limit=1000,
            created_by_id=recruiter.id,
            published_at=utcnow(),
        )
        vacancy.criteria = [
            Criterion(kind=CriterionKind.ESSENTIAL, position=i, text=t)
            for i, t in enumerate(item["essential"])
        ] + [
            Criterion(kind=CriterionKind.DESIRABLE, position=i, text=t)
            for i, t in enumerate(item["desirable"])
        ]
        vacancy.theme_tags = [VacancyTheme(theme=t) for t in item["themes"]]
        vacancy.sector_tags = [VacancySector(sector=s) for s in item["sectors"]]
        db.session.add(vacancy)
        db.session.flush()
        db.session.add(VacancyRecruiter(vacancy_id=vacancy.id, user_id=recruiter.id))
        added += 1
    return added
