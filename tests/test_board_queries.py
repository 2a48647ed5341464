"""The board stays fast: one page costs the same few statements whatever the vacancy's size."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select, text

from recruit.extensions import db
from recruit.models import (
    AgreedScore,
    Application,
    ApplicationStatus,
    Criterion,
    Role,
    Score,
    User,
    utcnow,
)
from recruit.models.application import new_candidate_number
from testkit.factories import Factory, known_hash
from testkit.statements import listening
from tests.support.accounts import log_in

BIG = 10_000
SMALL = 20
PAGE_SIZE = 20
# Session and user (2), vacancy and the panel check (2), stage counts, the page's ids in order
# (their total too when a filter narrows the list), its rows and their reveals (4).
MAX_STATEMENTS = 8
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
STATUSES = [ApplicationStatus.UNDER_REVIEW] * 6 + [
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.UNSUCCESSFUL,
    ApplicationStatus.WITHDRAWN,
]
_batch = itertools.count()


def bulk_applications(app: Flask, vacancy_id: int, count: int, assessors: list[int]) -> None:
    """`count` candidates and applications in a few executemany inserts, half of them scored."""
    batch = next(_batch)
    now = utcnow()
    with app.app_context():
        password = known_hash("not used by these candidates")
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"bulk{batch}-{n}@example.org",
                    "full_name": f"Bulk Candidate {batch}-{n}",
                    "password_hash": password,
                    "role": Role.CANDIDATE,
                    "email_verified_at": now,
                }
                for n in range(count)
            ],
        )
        prefix = f"bulk{batch}-%"
        user_ids = db.session.scalars(
            select(User.id).where(User.email.like(prefix)).order_by(User.id)
        ).all()
        db.session.execute(
            insert(Application),
            [
                {
                    "vacancy_id": vacancy_id,
                    "candidate_id": uid,
                    "status": STATUSES[n % len(STATUSES)],
                    "statement": "Ten years leading regional programmes.",
                    "submitted_at": now - timedelta(minutes=n),
                    "candidate_number": new_candidate_number(),
                }
                for n, uid in enumerate(user_ids)
            ],
        )
        app_ids = db.session.scalars(
            select(Application.id).where(Application.vacancy_id == vacancy_id)
        ).all()
        criteria = db.session.scalars(
            select(Criterion.id).where(Criterion.vacancy_id == vacancy_id)
        ).all()
        scored = app_ids[::2]
        db.session.execute(
            insert(Score),
            [
                {
                    "application_id": aid,
                    "criterion_id": cid,
                    "assessor_id": assessor,
                    "score": (aid + cid + assessor) % 5,
                    "comment": "",
                    "submitted_at": now,
                }
                for aid in scored
                for cid in criteria
                for assessor in assessors
            ],
        )
        db.session.execute(
            insert(AgreedScore),
            [
                {"application_id": aid, "criterion_id": criteria[0], "score": 3}
                for aid in scored[::5]
            ],
        )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum's auto-analyze does shortly after a bulk load in production; without
            # statistics the planner guesses one row per table and picks nested loops.
            db.session.execute(text("ANALYZE"))
            db.session.commit()


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    """Every query sent to the database while the block runs (transaction control aside)."""
    statements: list[str] = []

    def record(statement: str) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    with listening(app, record):
        yield statements


def statements_for(app: Flask, client: FlaskClient, url: str) -> list[str]:
    with counting(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    body = response.get_data(as_text=True)
    assert body.count('class="govuk-link" href="/admin/applications/') >= 1, url
    return statements


def test_a_board_page_costs_the_same_few_statements_at_any_size(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    app.config["PAGE_SIZE"] = PAGE_SIZE
    recruiter = make.recruiter()
    panel = make.panel_member()
    # The recruiter scores too: nobody sees scores (or filters by them) before submitting.
    assessors = [panel.id, make.panel_member().id, recruiter.id]
    big = make.vacancy(title="Director of Connectivity", essential=("A", "B"), desirable=("C",))
    small = make.vacancy(title="Head of Skills", essential=("A", "B"), desirable=("C",))
    bulk_applications(app, big.id, BIG, assessors)
    bulk_applications(app, small.id, SMALL, assessors)
    for vacancy_id in (big.id, small.id):
        make.assign_panel(vacancy_id, panel.id)
        make.join_team(vacancy_id, recruiter.id)

    for user in (recruiter, panel):
        viewer = app.test_client()
        log_in(viewer, user)
        viewer.get("/admin/")  # warm up: connection set-up is not the page's cost
        for query in ("", "?sort=score", "?status=under_review&band=meets&sort=spread"):
            big_url = f"/admin/vacancies/{big.id}/applications{query}"
            first = statements_for(app, viewer, big_url)
            fiftieth = statements_for(app, viewer, f"{big_url}{'&' if query else '?'}page=50")
            tiny = statements_for(app, viewer, f"/admin/vacancies/{small.id}/applications{query}")
            assert len(first) <= MAX_STATEMENTS, "\n".join(first)
            assert len(first) == len(fiftieth) == len(tiny), (len(first), len(fiftieth), len(tiny))

    page = client
    log_in(page, recruiter)
    html = page.get(f"/admin/vacancies/{big.id}/applications?page=50").get_data(as_text=True)
    assert html.count('name="application_ids"') == PAGE_SIZE
    assert f"{BIG} applications" in html
