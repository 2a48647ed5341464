"""The board aggregates only the rows of the page it shows, and still ranks every row right."""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, User
from recruit.services import board
from testkit.factories import Factory
from testkit.people import bulk_applications
from testkit.statements import listening
from tests.support.accounts import log_in

COUNT = 23
PAGE_SIZE = 5
# The tables whose rows the score aggregates read: on a page in submitted order, only by the
# page's application ids.
SCORE_TABLES = ("scores", "agreed_scores")


def scored_vacancy(app: Flask, make: Factory) -> SimpleNamespace:
    """COUNT applications; the recruiter and a panel member score all but every fourth."""
    vacancy = make.vacancy(essential=("A", "B"), desirable=("C",))
    recruiter = make.team_recruiter(vacancy.id)
    panel = make.panel_member()
    bulk_applications(app, vacancy.id, COUNT)
    with app.app_context():
        ids = list(
            db.session.scalars(
                select(Application.id)
                .where(Application.vacancy_id == vacancy.id)
                .order_by(Application.id)
            )
        )
    criteria = [c.id for c in vacancy.criteria]
    expected: dict[int, float | None] = {}
    for n, application_id in enumerate(ids):
        if n % 4 == 3:
            expected[application_id] = None
            continue
        mine = {c: (n * 3 + i) % 5 for i, c in enumerate(criteria)}
        theirs = {c: (n * 7 + 2 * i) % 5 for i, c in enumerate(criteria)}
        make.scores(application_id, recruiter.id, dict(mine))
        make.scores(application_id, panel.id, dict(theirs))
        means = [(mine[c] + theirs[c]) / 2 for c in criteria]
        if n % 5 == 0:  # moderated: the agreed score replaces the assessors' mean
            make.agreed(application_id, criteria[0], 4)
            means[0] = 4.0
        expected[application_id] = sum(means) / len(means)
    return SimpleNamespace(vacancy=vacancy, recruiter=recruiter, ids=ids, expected=expected)


def every_page(app: Flask, viewer_id: int, filters: board.BoardFilters) -> list[board.BoardRow]:
    """All rows of the board, page by page, as the recruiter sees them."""
    rows: list[board.BoardRow] = []
    with app.app_context():
        viewer = db.session.get(User, viewer_id)
        assert viewer is not None
        counts = board.stage_counts(viewer, filters)
        number = 1
        while True:
            page = board.board_page(viewer, filters, number, PAGE_SIZE, counts)
            assert page.total == COUNT
            if not page.items:
                return rows
            rows += page.items
            number += 1


def test_page_one_reads_scores_of_its_own_rows_only(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    app.config["PAGE_SIZE"] = PAGE_SIZE
    data = scored_vacancy(app, make)
    log_in(client, data.recruiter)
    url = f"/admin/vacancies/{data.vacancy.id}/applications"
    client.get(url)
    statements: list[str] = []
    with listening(app, statements.append):
        response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('name="application_ids"') == PAGE_SIZE
    assert f"{COUNT} applications" in html
    reading = [s for s in statements if re.search(r"\bFROM (agreed_)?scores\b", s)]
    assert reading, "the page shows scores, so something reads them"
    for statement in reading:
        for table in SCORE_TABLES:
            if re.search(rf"\b{table}\b", statement):
                assert re.search(rf"\b{table}\.application_id IN \(", statement), statement
    ordering = [s for s in statements if "ORDER BY applications.submitted_at" in s]
    assert len(ordering) == 1
    assert "scores" not in ordering[0], "the default order needs no score at all"
    assert "count(*) OVER" not in ordering[0], "the stage counts give the total"


def test_sorting_by_score_ranks_every_row_with_the_same_figures(app: Flask, make: Factory) -> None:
    data = scored_vacancy(app, make)
    by_date = every_page(app, data.recruiter.id, board.BoardFilters(vacancy_id=data.vacancy.id))
    assert [row.id for row in by_date] == data.ids
    for row in by_date:
        expected = data.expected[row.id]
        assert row.scores_visible is (expected is not None)
        assert row.overall == (None if expected is None else _approx(row.overall, expected))

    by_score = every_page(
        app, data.recruiter.id, board.BoardFilters(vacancy_id=data.vacancy.id, sort="score")
    )
    ranked = sorted(
        data.ids, key=lambda i: (data.expected[i] is None, -round(data.expected[i] or 0.0, 9), i)
    )
    assert [row.id for row in by_score] == ranked
    figures = {row.id: row.overall for row in by_date}
    assert {row.id: row.overall for row in by_score} == figures


def test_a_row_filter_counts_its_own_total(app: Flask, make: Factory) -> None:
    data = scored_vacancy(app, make)
    with app.app_context():
        for application_id in data.ids[:7]:
            row = db.session.get(Application, application_id)
            assert row is not None
            row.status = ApplicationStatus.UNDER_REVIEW
        db.session.commit()
        viewer = db.session.get(User, data.recruiter.id)
        assert viewer is not None
        for filters in (
            board.BoardFilters(vacancy_id=data.vacancy.id, status=ApplicationStatus.UNDER_REVIEW),
            board.BoardFilters(vacancy_id=data.vacancy.id, band="strong", sort="spread"),
        ):
            counts = board.stage_counts(viewer, filters)
            page = board.board_page(viewer, filters, 1, PAGE_SIZE, counts)
            everything = board.board_page(viewer, filters, 1, 100, counts)
            assert page.total == len(everything.items)
            assert page.total < COUNT
            past = board.board_page(viewer, filters, 50, PAGE_SIZE, counts)
            assert past.items == [] and past.total == page.total


def _approx(actual: float | None, expected: float) -> float | None:
    """`actual` when it is `expected` to floating-point accuracy (the database averages)."""
    assert actual is not None and abs(actual - expected) < 1e-9, (actual, expected)
    return actual
