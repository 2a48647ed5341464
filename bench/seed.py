"""Bulk-load vacancies with many applications quickly, with core inserts and one password hash."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from itertools import islice
from typing import Any, Final

from argon2 import PasswordHasher
from sqlalchemy import String, cast, insert, literal, select, text
from sqlalchemy.engine import Connection, Engine

from recruit.models import (
    AgreedScore,
    Application,
    ApplicationStatus,
    Criterion,
    CriterionEvidence,
    CriterionKind,
    Role,
    Score,
    StatusChange,
    User,
    UTCDateTime,
    Vacancy,
    VacancyStatus,
    utcnow,
)
from recruit.models.application import new_candidate_number

BATCH: Final = 10_000
STATUSES: Final = [ApplicationStatus.UNDER_REVIEW] * 6 + [
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.UNSUCCESSFUL,
    ApplicationStatus.WITHDRAWN,
]
CRITERIA: Final = (
    (CriterionKind.ESSENTIAL, "Leadership of a regional programme worth over £50m"),
    (CriterionKind.ESSENTIAL, "Building partnerships across councils, universities and business"),
    (CriterionKind.DESIRABLE, "Experience of rail or energy investment cases"),
)
EVIDENCE: Final = (
    "I led a £120m regional connectivity programme for six years, reporting to a joint board of "
    "nine local authorities; delivered on time and 4% under budget. "
)
STATEMENT: Final = "Ten years leading regional programmes across the Midlands. " * 4


def _batches(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _insert(conn: Connection, model: Any, rows: Iterable[dict[str, Any]]) -> None:
    for chunk in _batches(rows):
        conn.execute(insert(model), chunk)


def _vacancy(conn: Connection, reference: str, staff: int) -> tuple[int, list[int]]:
    now = utcnow()
    vacancy_id = conn.execute(
        insert(Vacancy)
        .values(
            reference=reference,
            title=f"Director of Connectivity ({reference})",
            summary="Lead connectivity across the Midlands.",
            description="A senior leadership role.",
            location="Nottingham (hybrid)",
            salary_band="£95,000 to £110,000",
            contract_type="permanent",
            closes_at=now - timedelta(days=1),
            status=VacancyStatus.CLOSED,
            published_at=now - timedelta(days=30),
            created_by_id=staff,
        )
        .returning(Vacancy.id)
    ).scalar_one()
    criteria = [
        conn.execute(
            insert(Criterion)
            .values(vacancy_id=vacancy_id, kind=kind, position=i, text=words)
            .returning(Criterion.id)
        ).scalar_one()
        for i, (kind, words) in enumerate(CRITERIA)
    ]
    return vacancy_id, criteria


def _applications(
    conn: Connection, vacancy_id: int, criteria: Sequence[int], users: Sequence[int], panel: int
) -> None:
    now = utcnow()
    _insert(
        conn,
        Application,
        (
            {
                "vacancy_id": vacancy_id,
                "candidate_id": uid,
                "status": STATUSES[n % len(STATUSES)],
                "statement": STATEMENT,
                "submitted_at": now - timedelta(minutes=n),
                "candidate_number": new_candidate_number(),
                "on_shortlist": n % 10 == 7,
                "on_longlist": n % 3 == 0,
            }
            for n, uid in enumerate(users)
        ),
    )
    # The rest is derived from the applications inside the database (INSERT ... SELECT), which
    # is much quicker than sending ~900,000 rows from Python. Every application has evidence
    # for each criterion; even ids are scored by both panel members, ids ending 0 are moderated,
    # odd ids have moved stage once (so "last moved" has something to find).
    a, c, u = Application.__table__, Criterion.__table__, User.__table__
    pairs = a.join(c, c.c.vacancy_id == a.c.vacancy_id)
    mine = a.c.vacancy_id == vacancy_id
    when = literal(now, UTCDateTime())
    conn.execute(
        insert(CriterionEvidence).from_select(
            ["application_id", "criterion_id", "text"],
            select(a.c.id, c.c.id, literal(EVIDENCE) + "(#" + cast(a.c.id, String) + ")")
            .select_from(pairs)
            .where(mine),
        )
    )
    conn.execute(
        insert(Score).from_select(
            ["application_id", "criterion_id", "assessor_id", "score", "comment", "submitted_at"],
            select(a.c.id, c.c.id, u.c.id, (a.c.id + c.c.id + u.c.id) % 5, literal(""), when)
            .select_from(pairs.join(u, u.c.id.in_([panel, panel + 1])))
            .where(mine, a.c.id % 2 == 0),
        )
    )
    conn.execute(
        insert(AgreedScore).from_select(
            ["application_id", "criterion_id", "score", "note"],
            select(a.c.id, c.c.id, literal(3), literal(""))
            .select_from(pairs)
            .where(mine, a.c.id % 10 == 0),
        )
    )
    conn.execute(
        insert(StatusChange).from_select(
            ["application_id", "from_status", "to_status", "changed_at", "note"],
            select(
                a.c.id,
                literal(ApplicationStatus.SUBMITTED.value),
                literal(ApplicationStatus.UNDER_REVIEW.value),
                when,
                literal(""),
            ).where(mine, a.c.id % 2 == 1),
        )
    )


def load(engine: Engine, sizes: Sequence[int]) -> list[int]:
    """One closed vacancy per size with that many applications; returns the vacancy ids."""
    password = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1).hash("unused")
    now = utcnow()
    with engine.begin() as conn:
        # Two panel members then the candidates; vacancies share candidates (one each at most).
        _insert(
            conn,
            User,
            (
                {
                    "email": f"panel{n}@midlandsengine.example",
                    "full_name": f"Panel Member {n}",
                    "password_hash": password,
                    "role": Role.PANEL,
                    "email_verified_at": now,
                }
                for n in range(2)
            ),
        )
        _insert(
            conn,
            User,
            (
                {
                    "email": f"candidate{n}@example.org",
                    "full_name": f"Candidate Number {n}",
                    "password_hash": password,
                    "role": Role.CANDIDATE,
                    "email_verified_at": now,
                }
                for n in range(max(sizes))
            ),
        )
        panel = conn.scalar(select(User.id).where(User.email == "panel0@midlandsengine.example"))
        assert panel is not None
        users = list(
            conn.scalars(select(User.id).where(User.role == Role.CANDIDATE).order_by(User.id))
        )
        vacancies = []
        for i, size in enumerate(sizes):
            vacancy_id, criteria = _vacancy(conn, f"ME-B{i:04d}", panel)
            _applications(conn, vacancy_id, criteria, users[:size], panel)
            vacancies.append(vacancy_id)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()
    return vacancies
