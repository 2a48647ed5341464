"""Many users quickly: one argon2 hash shared by all, rows written with core inserts."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask
from sqlalchemy import insert, select, text

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    Criterion,
    CriterionEvidence,
    Role,
    User,
    utcnow,
)
from recruit.models.application import new_candidate_number
from testkit.factories import known_hash

PASSWORD = "copper kettle morning harbour"


def bulk_users(app: Flask, emails: list[str], role: Role = Role.CANDIDATE) -> list[SimpleNamespace]:
    """Verified users with these emails and PASSWORD, in order; one hash computed for all."""
    now = utcnow()
    with app.app_context():
        password_hash = known_hash(PASSWORD)
        rows = [
            {
                "email": email,
                "full_name": f"Fault {role.value.title()} {n}",
                "password_hash": password_hash,
                "role": role,
                "email_verified_at": now,
            }
            for n, email in enumerate(emails)
        ]
        db.session.execute(insert(User), rows)
        db.session.commit()
        found = db.session.execute(select(User.email, User.id).where(User.email.in_(emails)))
        ids = {email: user_id for email, user_id in found}
        db.session.rollback()
    return [SimpleNamespace(id=ids[e], email=e, password=PASSWORD) for e in emails]


def bulk_applications(app: Flask, vacancy_id: int, count: int) -> int:
    """`count` candidates with a submitted application and evidence for every criterion."""
    people = bulk_users(app, [f"applicant{n}@example.org" for n in range(count)])
    now = utcnow()
    with app.app_context():
        db.session.execute(
            insert(Application),
            [
                {
                    "vacancy_id": vacancy_id,
                    "candidate_id": person.id,
                    "status": ApplicationStatus.SUBMITTED,
                    "statement": f"Statement {n}: ten years leading regional programmes.",
                    "submitted_at": now,
                    "candidate_number": new_candidate_number(),
                }
                for n, person in enumerate(people)
            ],
        )
        app_ids = db.session.scalars(
            select(Application.id).where(Application.vacancy_id == vacancy_id)
        ).all()
        criteria = db.session.scalars(
            select(Criterion.id).where(Criterion.vacancy_id == vacancy_id)
        ).all()
        db.session.execute(
            insert(CriterionEvidence),
            [
                {"application_id": a, "criterion_id": c, "text": f"Evidence {a}/{c}"}
                for a in app_ids
                for c in criteria
            ],
        )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum's analyze does soon after a bulk load; the planner needs the counts.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return len(app_ids)
