"""Vacancies (campaigns): creating, editing, publishing and closing them. Never commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError

from recruit.extensions import db, open_write_transaction
from recruit.formatting import UK
from recruit.models import (
    Application,
    ApplicationStatus,
    Criterion,
    CriterionEvidence,
    CriterionKind,
    OutcomeTally,
    Role,
    User,
    Vacancy,
    VacancyRecruiter,
    VacancySector,
    VacancyStatus,
    VacancyTheme,
    db_now,
    utcnow,
)
from recruit.parsing import ascii_int
from recruit.services.closing import notify_recruiters

REFERENCE_ATTEMPTS = 5


class VacancyError(ValueError):
    """A change the vacancy rules do not allow; the message is fit to show the user."""


class CriteriaLockedError(VacancyError):
    """Criteria cannot change once candidates have submitted evidence against them."""


class ClosingTimeError(ValueError):
    """A closing date or time that cannot be turned into an instant; `part` names the input."""

    def __init__(self, message: str, part: str) -> None:
        super().__init__(message)
        self.part = part


@dataclass
class VacancyData:
    """Everything a recruiter enters about a vacancy, already validated."""

    title: str
    summary: str
    description: str
    location: str
    salary_band: str
    contract_type: str
    closes_at: datetime
    themes: list[str]
    essential: list[str]
    desirable: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    statement_word_limit: int = 1000
    anonymised_sift: bool = False


def uk_to_utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """Turn a UK wall-clock date and time into aware UTC, refusing impossible ones.

    In the October overlap the later (GMT) instant is used, so candidates get the extra hour;
    a time inside the March gap does not exist in the UK and is refused.
    """
    try:
        naive = datetime(year, month, day, hour, minute)
    except ValueError as exc:
        raise ClosingTimeError("Closing date must be a real date", "day") from exc
    local = naive.replace(tzinfo=UK, fold=1)
    instant = local.astimezone(UTC)
    if instant.astimezone(UK).replace(tzinfo=None) != naive:
        raise ClosingTimeError(
            "That time does not exist in the UK on that date because the clocks go forward; "
            "choose a time before 1:00 or from 2:00",
            "time",
        )
    return instant


def utc_to_uk(value: datetime) -> datetime:
    """A UTC instant as UK local time, for pre-filling the date fields."""
    return value.astimezone(UK)


def next_reference(year: int) -> str:
    """The next free reference for `year`, like ME-2026-0001."""
    prefix = f"ME-{year}-"
    taken = db.session.scalars(
        select(Vacancy.reference).where(Vacancy.reference.like(f"{prefix}%"))
    )
    numbers = [n for ref in taken if (n := ascii_int(ref[len(prefix) :])) is not None]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _assign_reference(vacancy: Vacancy) -> None:
    # Two recruiters saving at once can pick the same number; the unique constraint decides,
    # and a savepoint lets the loser try the next number without losing the outer transaction.
    year = utcnow().astimezone(UK).year
    open_write_transaction()
    for _ in range(REFERENCE_ATTEMPTS):
        vacancy.reference = next_reference(year)
        try:
            with db.session.begin_nested():
                db.session.add(vacancy)
                db.session.flush()
            return
        except IntegrityError:
            continue
    raise VacancyError("Could not allocate a vacancy reference; try again")


def _apply_fields(vacancy: Vacancy, data: VacancyData) -> None:
    vacancy.title = data.title.strip()
    vacancy.summary = data.summary.strip()
    # Browsers post textarea line breaks as CRLF; paragraphs are split on blank lines.
    vacancy.description = data.description.replace("\r\n", "\n").strip()
    vacancy.location = data.location.strip()
    vacancy.salary_band = data.salary_band.strip()
    vacancy.contract_type = data.contract_type
    vacancy.closes_at = data.closes_at
    vacancy.statement_word_limit = data.statement_word_limit
    vacancy.anonymised_sift = data.anonymised_sift
    _set_tags(vacancy, data.themes, data.sectors)


def _set_tags(vacancy: Vacancy, themes: Iterable[str], sectors: Iterable[str]) -> None:
    wanted_themes, wanted_sectors = list(dict.fromkeys(themes)), list(dict.fromkeys(sectors))
    vacancy.theme_tags = [t for t in vacancy.theme_tags if t.theme in wanted_themes] + [
        VacancyTheme(theme=t) for t in wanted_themes if t not in vacancy.themes
    ]
    vacancy.sector_tags = [s for s in vacancy.sector_tags if s.sector in wanted_sectors] + [
        VacancySector(sector=s) for s in wanted_sectors if s not in vacancy.sectors
    ]


def create_vacancy(data: VacancyData, creator: User) -> Vacancy:
    """A new draft vacancy with its criteria and tags; the creator recruits for it."""
    vacancy = Vacancy(
        status=VacancyStatus.DRAFT,
        created_by_id=creator.id,
        criteria=[],
        retention_months=int(current_app.config["RETENTION_MONTHS"]),
    )
    _apply_fields(vacancy, data)
    vacancy.criteria = [
        Criterion(kind=CriterionKind.ESSENTIAL, position=i, text=t)
        for i, t in enumerate(data.essential)
    ] + [
        Criterion(kind=CriterionKind.DESIRABLE, position=i, text=t)
        for i, t in enumerate(data.desirable)
    ]
    _assign_reference(vacancy)
    db.session.add(VacancyRecruiter(vacancy_id=vacancy.id, user_id=creator.id))
    return vacancy


def criteria_locked(vacancy: Vacancy) -> bool:
    """True once any application has been submitted: its evidence answers the criteria as worded."""
    submitted = (
        select(Application.id)
        .where(Application.vacancy_id == vacancy.id)
        .where(Application.status != ApplicationStatus.DRAFT)
    )
    return bool(db.session.scalar(select(exists(submitted))))


def _criteria_texts(vacancy: Vacancy, kind: CriterionKind) -> list[str]:
    return [c.text for c in sorted(vacancy.criteria, key=lambda c: c.position) if c.kind is kind]


def _has_evidence(criterion: Criterion) -> bool:
    answered = select(CriterionEvidence.id).where(
        CriterionEvidence.criterion_id == criterion.id, CriterionEvidence.text != ""
    )
    return bool(db.session.scalar(select(exists(answered))))


def _replace_criteria(vacancy: Vacancy, kind: CriterionKind, texts: Sequence[str]) -> None:
    # Rewording keeps each criterion's id (matched by position), so a draft's evidence stays
    # attached; removing one is only allowed while nobody has written against it.
    existing = sorted((c for c in vacancy.criteria if c.kind is kind), key=lambda c: c.position)
    for position, text in enumerate(texts):
        if position < len(existing):
            existing[position].text = text
        else:
            vacancy.criteria.append(Criterion(kind=kind, position=position, text=text))
    for criterion in existing[len(texts) :]:
        if _has_evidence(criterion):
            raise VacancyError(
                f"The criterion '{criterion.text}' cannot be removed because a candidate has "
                "started answering it; you can reword it instead"
            )
        # Empty draft answers go explicitly: SQLite does not enforce ON DELETE CASCADE here.
        db.session.execute(
            delete(CriterionEvidence).where(CriterionEvidence.criterion_id == criterion.id)
        )
        vacancy.criteria.remove(criterion)


def update_vacancy(vacancy: Vacancy, data: VacancyData) -> None:
    """Change a vacancy; criteria may change only until the first application is submitted."""
    changed = {
        kind: list(texts) != _criteria_texts(vacancy, kind)
        for kind, texts in (
            (CriterionKind.ESSENTIAL, data.essential),
            (CriterionKind.DESIRABLE, data.desirable),
        )
    }
    if any(changed.values()) and criteria_locked(vacancy):
        raise CriteriaLockedError(
            "The criteria cannot be changed because applications have been submitted against them"
        )
    _apply_fields(vacancy, data)
    if changed[CriterionKind.ESSENTIAL]:
        _replace_criteria(vacancy, CriterionKind.ESSENTIAL, data.essential)
    if changed[CriterionKind.DESIRABLE]:
        _replace_criteria(vacancy, CriterionKind.DESIRABLE, data.desirable)
    if vacancy.status is VacancyStatus.PUBLISHED and not closes_in_future(vacancy):
        raise VacancyError("The closing time of a published vacancy must be in the future")


def closes_in_future(vacancy: Vacancy) -> bool:
    """Whether the stored closing time is still ahead, by the database clock."""
    db.session.flush()
    still_open = select(Vacancy.id).where(Vacancy.id == vacancy.id, Vacancy.closes_at > db_now())
    return bool(db.session.scalar(select(exists(still_open))))


def publish(vacancy: Vacancy) -> None:
    """Open a draft, or reopen a closed vacancy whose closing time has been moved on."""
    if vacancy.status is VacancyStatus.PUBLISHED:
        raise VacancyError("This vacancy is already published")
    if not closes_in_future(vacancy):
        if vacancy.status is VacancyStatus.CLOSED:
            raise VacancyError(
                "Move the closing time into the future before reopening this vacancy"
            )
        raise VacancyError("The closing time must be in the future to publish this vacancy")
    vacancy.status = VacancyStatus.PUBLISHED
    vacancy.published_at = vacancy.published_at or utcnow()
    vacancy.closed_at = None


def close(vacancy: Vacancy) -> None:
    """Stop a published vacancy taking applications."""
    if vacancy.status is not VacancyStatus.PUBLISHED:
        raise VacancyError("Only a published vacancy can be closed")
    vacancy.status = VacancyStatus.CLOSED
    vacancy.closed_at = utcnow()
    db.session.flush()
    # Closed by hand or by the clock, the vacancy's recruiters hear how many applied.
    notify_recruiters([vacancy.id])


def vacancies_for(user: User) -> list[Vacancy]:
    """The vacancies on a staff member's dashboard: their own, or every one for an admin."""
    query = select(Vacancy).order_by(Vacancy.closes_at.desc(), Vacancy.id.desc())
    if user.role is not Role.ADMIN:
        query = query.join(VacancyRecruiter, VacancyRecruiter.vacancy_id == Vacancy.id).where(
            VacancyRecruiter.user_id == user.id
        )
    return list(db.session.scalars(query))


def application_counts(vacancy_ids: Sequence[int]) -> dict[int, dict[ApplicationStatus, int]]:
    """Submitted-or-later applications per vacancy and status, purged ones included.

    Purged applications count through their vacancy's anonymous tallies (OutcomeTally), so the
    numbers stay the same after a retention purge.
    """
    counts: dict[int, dict[ApplicationStatus, int]] = {vid: {} for vid in vacancy_ids}
    if not vacancy_ids:
        return counts
    rows = db.session.execute(
        select(Application.vacancy_id, Application.status, func.count(Application.id))
        .where(Application.vacancy_id.in_(vacancy_ids))
        .where(Application.status != ApplicationStatus.DRAFT)
        .group_by(Application.vacancy_id, Application.status)
    )
    for vacancy_id, status, count in rows:
        counts[vacancy_id][status] = count
    tallies = db.session.execute(
        select(OutcomeTally.vacancy_id, OutcomeTally.status, OutcomeTally.count)
        .where(OutcomeTally.vacancy_id.in_(vacancy_ids))
        .where(OutcomeTally.status != ApplicationStatus.DRAFT, OutcomeTally.count > 0)
    )
    for vacancy_id, status, count in tallies:
        counts[vacancy_id][status] = counts[vacancy_id].get(status, 0) + count
    return counts
