"""PostgreSQL's export path (cells computed in SQL, CSV by COPY) writes the very file the rows path
writes: the same CSV bytes and the same XLSX sheets, on hostile data."""

from __future__ import annotations

import csv
import io
import random
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Integer, Numeric, cast, column, func, insert, literal, select, values

from recruit.exports import jobs, pgstream, rows, sqlcells, writers
from recruit.exports.safety import FORMULA_TRIGGERS, csv_text, xlsx_text
from recruit.extensions import db
from recruit.models import (
    AgreedScore,
    Application,
    ApplicationStatus,
    CriterionEvidence,
    ExportFormat,
    ExportJob,
    ExportStatus,
    Role,
    Score,
    StatusChange,
    User,
    VacancyStatus,
)
from recruit.models.sift import IdentityReveal
from recruit.services.scoring import MAX_SCORE
from testkit.factories import Factory

TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "\n", ";", '"', "'", "\\", "\x01", " ", ""]
WORDS = ["cmd|' /C calc'!A0", "Zoë Ó Súilleabháin", "李小龙", "a\\nb", "x;y", "1+1", "\u2028", "€"]


@pytest.fixture
def backend() -> str:
    """This path exists on PostgreSQL only."""
    return "postgresql"


def hostile(chooser: random.Random, limit: int) -> str:
    """A short text of formula triggers, separators, escapes and Unicode."""
    text = ""
    for _ in range(chooser.randrange(1, 4)):
        text += chooser.choice(TRIGGERS) + chooser.choice(WORDS) + chooser.choice(TRIGGERS)
    return text[:limit]


def _users(chooser: random.Random, count: int) -> list[int]:
    users = [
        {
            "email": f"{chooser.choice(TRIGGERS)}c{n}\\@example.org".replace("\x01", ""),
            "full_name": hostile(chooser, 200),
            "password_hash": "x",
            "role": Role.CANDIDATE,
        }
        for n in range(count)
    ]
    db.session.execute(insert(User), users)
    return list(db.session.scalars(select(User.id).order_by(User.id)))


def _vacancy(app: Flask, anonymised: bool, criteria: int) -> tuple[int, list[int]]:
    # One desirable criterion, the rest essential; each text is a formula to neutralise.
    texts = [f"@crit {i};=x" for i in range(criteria)]
    vacancy = Factory(app).vacancy(
        title="=Director",
        status=VacancyStatus.CLOSED,
        closes_in=timedelta(days=-1),
        essential=tuple(texts[1:]),
        desirable=tuple(texts[:1]),
        anonymised_sift=anonymised,
    )
    return vacancy.id, [c.id for c in vacancy.criteria]


def _scores(chooser: random.Random, app_id: int, criteria: list[int], panel: list[int]) -> None:
    for criterion in criteria:
        if chooser.random() < 0.2:
            continue
        # 8 assessors give means like 0.125 and 0.375, where Python and SQL rounding differ.
        for assessor in panel[: chooser.choice([1, 2, 3, 7, 8])]:
            db.session.execute(
                insert(Score).values(
                    application_id=app_id,
                    criterion_id=criterion,
                    assessor_id=assessor,
                    score=chooser.choice([0, 0, 0, 1, 2, 3, 4, None]),
                    comment="",
                    submitted_at=None if chooser.random() < 0.1 else datetime.now(UTC),
                )
            )
        if chooser.random() < 0.2:
            db.session.execute(
                insert(AgreedScore).values(
                    application_id=app_id, criterion_id=criterion, score=chooser.randrange(5)
                )
            )


def load(
    app: Flask, seed: int = 7, count: int = 60, anonymised: bool = True, criteria: int = 3
) -> int:
    """A vacancy with `count` hostile applications, scored by up to 8 assessors."""
    chooser = random.Random(seed)
    vacancy_id, criteria_ids = _vacancy(app, anonymised, criteria)
    with app.app_context():
        people = _users(chooser, count + 8)
        panel, candidates = people[:8], people[8:]
        statuses = list(ApplicationStatus)
        for n, person in enumerate(candidates):
            app_id = db.session.execute(
                insert(Application)
                .values(
                    vacancy_id=vacancy_id,
                    candidate_id=person,
                    status=chooser.choice(statuses),
                    statement="",
                    candidate_number=f"{hostile(chooser, 12)}{n}" if n % 5 else f"C{n}",
                    # Both sides of the clocks changing, and none at all.
                    submitted_at=None
                    if n % 9 == 0
                    else datetime(2026, 3, 29, 0, 30, tzinfo=UTC) + timedelta(minutes=7 * n),
                    on_shortlist=n % 2 == 0,
                )
                .returning(Application.id)
            ).scalar_one()
            _scores(chooser, app_id, criteria_ids, panel)
            for i, criterion in enumerate(criteria_ids):
                if chooser.random() < 0.8:
                    text = hostile(chooser, 500) * (4000 if n == 3 and i == 0 else 1)
                    db.session.execute(
                        insert(CriterionEvidence).values(
                            application_id=app_id, criterion_id=criterion, text=text
                        )
                    )
            if n % 3 == 0:
                db.session.execute(
                    insert(StatusChange).values(
                        application_id=app_id,
                        to_status=ApplicationStatus.UNDER_REVIEW,
                        changed_at=datetime(2026, 10, 25, 1, 10, tzinfo=UTC),
                        note="",
                    )
                )
            if n % 7 == 0:
                db.session.execute(insert(IdentityReveal).values(application_id=app_id, reason="r"))
        db.session.commit()
    return vacancy_id


def both_csv(tmp_path: Path, vacancy_id: int, selection: dict[str, Any]) -> tuple[bytes, bytes]:
    """The CSV from the rows path and from COPY, for the same data."""
    criteria = rows.criteria_of(vacancy_id)
    slow, fast = tmp_path / "rows.csv", tmp_path / "copy.csv"
    got: list[int] = []
    writers.write_csv(slow, rows.iter_rows(vacancy_id, selection, criteria), criteria, got.append)
    pgstream.write_csv(fast, vacancy_id, selection, criteria, got.append)
    return slow.read_bytes(), fast.read_bytes()


def sheets(path: Path) -> dict[str, bytes]:
    """Every part of the XLSX but the one holding the time it was made."""
    with zipfile.ZipFile(path) as book:
        return {n: book.read(n) for n in book.namelist() if n != "docProps/core.xml"}


SELECTIONS = [{}, {"list": "shortlist"}, {"statuses": ["shortlisted", "under_review"]}]


@pytest.mark.parametrize("selection", SELECTIONS)
def test_copy_csv_is_byte_for_byte_the_rows_csv(
    app: Flask, tmp_path: Path, selection: dict[str, Any]
) -> None:
    vacancy_id = load(app)
    with app.app_context():
        slow, fast = both_csv(tmp_path, vacancy_id, selection)
    assert fast.startswith(b"\xef\xbb\xbf")
    assert slow.count(b"\r\n") > 10
    assert fast == slow
    # And read the way a spreadsheet would, with either list separator, nothing is a formula.
    for delimiter in (",", ";"):
        text = io.StringIO(fast.decode("utf-8-sig"), newline="")
        cells = [c for row in csv.reader(text, delimiter=delimiter) for c in row]
        assert len(cells) > 10
        assert [c for c in cells if c.startswith(FORMULA_TRIGGERS)] == []


@pytest.mark.parametrize("criteria", [0, 1])
def test_the_paths_agree_with_few_criteria(app: Flask, tmp_path: Path, criteria: int) -> None:
    vacancy_id = load(app, count=20, criteria=criteria)
    with app.app_context():
        slow, fast = both_csv(tmp_path, vacancy_id, {})
        found = rows.criteria_of(vacancy_id)
        writers.write_xlsx(
            tmp_path / "a.xlsx", rows.iter_rows(vacancy_id, {}, found), found, lambda n: None
        )
        pgstream.write_xlsx(tmp_path / "b.xlsx", vacancy_id, {}, found, lambda n: None)
    assert fast == slow
    assert sheets(tmp_path / "a.xlsx") == sheets(tmp_path / "b.xlsx")


def test_ties_in_means_are_rounded_as_python_rounds_them(app: Flask, tmp_path: Path) -> None:
    vacancy_id = load(app, seed=11, count=120)
    with app.app_context():
        means = db.session.scalars(
            select(func.avg(Score.score))
            .join(Application, Application.id == Score.application_id)
            .where(Application.vacancy_id == vacancy_id, Score.submitted_at.is_not(None))
            .group_by(Score.application_id, Score.criterion_id)
        ).all()
        slow, fast = both_csv(tmp_path, vacancy_id, {})
    assert any(m is not None and m * 8 % 2 == 1 for m in means)  # x.125, x.375 …
    assert fast == slow


def test_every_mean_of_up_to_40_scores_rounds_as_in_python(app: Flask) -> None:
    pairs = [(s, n) for n in range(1, 41) for s in range(0, MAX_SCORE * n + 1)]
    table = values(column("s", Integer), column("n", Integer), name="t").data(pairs)
    # An average of integers is their sum over their count, as numeric division gives it.
    mean = cast(table.c.s, Numeric) / cast(table.c.n, Numeric)
    with app.app_context():
        got = db.session.execute(select(mean, sqlcells.python_round(mean))).all()
    assert len(got) == len(pairs)
    assert [float(r) for _, r in got] == [round(float(m), 2) for m, _ in got]
    assert [repr(float(r)) for _, r in got] == [repr(round(float(m), 2)) for m, _ in got]


@pytest.mark.parametrize("anonymised", [True, False])
def test_pg_xlsx_has_the_rows_xlsx_cells(app: Flask, tmp_path: Path, anonymised: bool) -> None:
    vacancy_id = load(app, anonymised=anonymised)
    with app.app_context():
        criteria = rows.criteria_of(vacancy_id)
        slow, fast = tmp_path / "rows.xlsx", tmp_path / "pg.xlsx"
        count = writers.write_xlsx(
            slow, rows.iter_rows(vacancy_id, {}, criteria), criteria, lambda n: None
        )
        assert pgstream.write_xlsx(fast, vacancy_id, {}, criteria, lambda n: None) == count > 40
    assert sheets(fast) == sheets(slow)
    assert b" [truncated]" in sheets(fast)["xl/worksheets/sheet2.xml"]


def test_the_build_task_takes_the_copy_path_and_reports_progress(app: Flask) -> None:
    vacancy_id = load(app, count=250)
    with app.app_context():
        job = ExportJob(
            vacancy_id=vacancy_id,
            format=ExportFormat.CSV,
            selection={},
            status=ExportStatus.BUILDING,
        )
        db.session.add(job)
        db.session.commit()
        assert pgstream.supported(db.session.connection())
        path = jobs.build(job)
        db.session.refresh(job)
        assert job.progress_done == job.progress_total > 200  # drafts are never exported
        assert path.read_bytes().count(b"\r\n") > job.progress_total


def test_copy_text_format_is_read_back_exactly() -> None:
    rows_out = b'"a\\\\b","x\\ny","t\\tz","c\\rr"\n"2"\n'
    expected = b'"a\\b","x\ny","t\tz","c\rr"\r\n"2"\r\n'
    assert pgstream.text_rows_to_crlf(rows_out) == expected
    # Blocks cut anywhere (even inside an escape) give the same file.
    out = io.BytesIO()
    blocks = [rows_out[i : i + 1] for i in range(len(rows_out))]
    assert pgstream.copy_lines(iter(blocks), out, lambda n: None) == 2
    assert out.getvalue() == expected


# PostgreSQL text cannot hold NUL; everything else is fair game.
RISKY = st.sampled_from([*";,\"'\t\r\n =+-@\\\x01\x1f", "\u2028", "\ufeff", "é"])
RISKY_TEXT = st.text(
    st.one_of(RISKY, RISKY, st.characters(codec="utf-8", exclude_characters="\x00")), max_size=30
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(RISKY_TEXT, min_size=1, max_size=8))
@example(["", "\r", ";", "a;", ";=", "\r\r=", '\n"', "=;\n+", "-", "\t@"])
def test_sql_neutralising_is_the_python_neutralising(app: Flask, texts: list[str]) -> None:
    with app.app_context():
        for text in texts:
            value = literal(text)
            got = db.session.execute(
                select(sqlcells.sql_csv_text(value), sqlcells.sql_xlsx_text(value))
            ).one()
            assert tuple(got) == (csv_text(text), xlsx_text(text))
        db.session.rollback()


def test_prefetching_yields_every_batch_in_order_and_passes_errors_on() -> None:
    assert list(pgstream.prefetched(iter([[1], [2], [3]]), depth=1)) == [[1], [2], [3]]

    def failing() -> Iterator[list[int]]:
        yield [1]
        raise RuntimeError("connection lost")

    got: list[list[int]] = []
    with pytest.raises(RuntimeError, match="connection lost"):
        got.extend(pgstream.prefetched(failing()))
    assert got == [[1]]


def test_a_writer_that_stops_early_stops_the_fetching_thread() -> None:
    fetched: list[int] = []

    def endless() -> Iterator[list[int]]:
        for n in range(10**6):
            fetched.append(n)
            yield [n]

    batches = pgstream.prefetched(endless(), depth=2)
    assert next(batches) == [0]
    batches.close()  # what an exception in the writing loop does
    assert not [t for t in threading.enumerate() if t.name == "export-fetch"]
    assert len(fetched) <= 5
