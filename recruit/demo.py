"""Loading the demo vacancies and demo recruiter. The caller commits."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from recruit.demo_data import DEMO_VACANCIES, description_for
from recruit.extensions import db
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
from recruit.services import accounts

DEMO_RECRUITER_EMAIL = "recruiter@midlandsengine.example"
UK = ZoneInfo("Europe/London")


def closing_time(days_ahead: int) -> datetime:
    """5pm UK time, `days_ahead` days from today, as UTC."""
    day = datetime.now(UK).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(17, 0), tzinfo=UK).astimezone(UTC)


def demo_recruiter(password: str) -> User:
    """The demo recruiter, created on first use."""
    existing = accounts.find_user_by_email(DEMO_RECRUITER_EMAIL)
    if existing is not None:
        return existing
    return accounts.create_staff_user(DEMO_RECRUITER_EMAIL, "Priya Shah", Role.RECRUITER, password)


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
