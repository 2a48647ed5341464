"""Loading the demo vacancies and demo recruiter. The caller commits."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from recruit.cli.demo_data import (
    DEMO_APPLICANTS,
    DEMO_EXPIRED_APPLICANTS,
    DEMO_EXPIRED_VACANCY,
    DEMO_VACANCIES,
    description_for,
)
from recruit.extensions import db
from recruit.formatting import UK
from recruit.models import (
    Application,
    ApplicationStatus,
    Criterion,
    CriterionEvidence,
    CriterionKind,
    Role,
    StatusChange,
    User,
    Vacancy,
    VacancyRecruiter,
    VacancySector,
    VacancyStatus,
    VacancyTheme,
    utcnow,
)
from recruit.monitoring import responses
from recruit.passwords import hash_password, password_problem, verify_password
from recruit.services import accounts, adjustments

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
        _demo_vacancy(item, recruiter, closing_time(item["closes_in_days"]))
        added += 1
    if DEMO_EXPIRED_VACANCY["reference"] not in known:
        closed = closing_time(-int(DEMO_EXPIRED_VACANCY["closed_days_ago"]))
        expired = _demo_vacancy(DEMO_EXPIRED_VACANCY, recruiter, closed)
        expired.status, expired.closed_at = VacancyStatus.CLOSED, closed
    load_demo_applicants()
    return added


def _demo_vacancy(item: dict[str, Any], recruiter: User, closes_at: datetime) -> Vacancy:
    """One demo vacancy, published, with its criteria, tags and the demo recruiter's team."""
    vacancy = Vacancy(
        reference=item["reference"],
        title=item["title"],
        summary=item["summary"],
        description=description_for(item),
        location=item["location"],
        salary_band=item["salary_band"],
        contract_type=item["contract_type"],
        closes_at=closes_at,
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
    return vacancy


def load_demo_applicants() -> int:
    """Add any demo applicant not already present, with a submitted application; return how many.

    Each one's monitoring answers go in through `recruit.monitoring.responses` (which keys them
    by the application's pseudonym), and adjustments and the guaranteed-interview opt-in through
    `recruit.services.adjustments`, as the application form does.
    """
    added = 0
    for item in [*DEMO_APPLICANTS, *DEMO_EXPIRED_APPLICANTS]:
        if accounts.find_user_by_email(item["email"]) is not None:
            continue
        vacancy = db.session.scalar(select(Vacancy).where(Vacancy.reference == item["reference"]))
        if vacancy is None:
            continue
        application = _submitted_application(item, vacancy)
        responses.record(application.id, item["monitoring"])
        adjustments.save_from_form(application, item["adjustment"], item["guaranteed_interview"])
        added += 1
    return added


def _submitted_application(item: dict[str, Any], vacancy: Vacancy) -> Application:
    """A verified demo candidate (whose password nobody knows) and their submitted application."""
    candidate = User(
        full_name=item["full_name"],
        email=accounts.normalise_email(item["email"]),
        password_hash=hash_password(secrets.token_urlsafe(32)),
        role=Role.CANDIDATE,
        email_verified_at=utcnow(),
    )
    db.session.add(candidate)
    db.session.flush()
    application = Application(
        vacancy_id=vacancy.id,
        candidate_id=candidate.id,
        status=ApplicationStatus(item.get("status", "submitted")),
        statement=item["statement"],
        # Before the closing time, also for the campaign that closed months ago.
        submitted_at=min(utcnow(), vacancy.closes_at - timedelta(days=3)),
    )
    application.evidence = [
        CriterionEvidence(criterion_id=c.id, text=item["statement"]) for c in vacancy.criteria
    ]
    application.history = [
        StatusChange(from_status=ApplicationStatus.DRAFT, to_status=ApplicationStatus.SUBMITTED)
    ]
    db.session.add(application)
    db.session.flush()
    return application
