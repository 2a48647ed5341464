"""No spreadsheet cell can become a formula, however hostile the candidate's name."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from recruit.exports.rows import CriterionScore, ExportRow
from recruit.exports.safety import FORMULA_TRIGGERS, neutralise
from recruit.exports.writers import write_csv, write_xlsx
from recruit.models import ApplicationStatus, Criterion, CriterionKind

PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\x00", "\x00=", " =", "\r\n="]
PAYLOADS = ['cmd|" /C calc"!A0', 'HYPERLINK("http://evil.example","x")', "1+1", "SUM(A1:A9)"]


def hostile_names(count: int = 1000) -> list[str]:
    """Names built from every formula trigger and a few classic payloads."""
    chooser = random.Random(20261122)
    return [chooser.choice(PREFIXES) + chooser.choice(PAYLOADS) + f" {i}" for i in range(count)]


def criteria() -> list[Criterion]:
    return [
        Criterion(id=1, kind=CriterionKind.ESSENTIAL, position=0, text="=Leadership"),
        Criterion(id=2, kind=CriterionKind.DESIRABLE, position=0, text="@Rail"),
    ]


def rows(names: list[str]) -> list[ExportRow]:
    return [
        ExportRow(
            application_id=i,
            candidate_number=f"-C{i}",
            identified=True,
            full_name=name,
            email=f"+{i}@example.org",
            status=ApplicationStatus.SHORTLISTED,
            submitted_at=None,
            last_moved_at=None,
            statement="=1+1",
            cv_key=None,
            cv_name=None,
            scores=[CriterionScore(3.0, None), CriterionScore(None, 2)],
            evidence=[name, "-" + name],
        )
        for i, name in enumerate(names, start=1)
    ]


def is_inert(value: object) -> bool:
    return not (isinstance(value, str) and value.startswith(FORMULA_TRIGGERS))


def test_a_thousand_hostile_names_make_no_formula_in_csv(tmp_path: Path) -> None:
    names = hostile_names()
    path = tmp_path / "out.csv"
    assert write_csv(path, rows(names), criteria(), lambda n: None) == 1000
    cells = [c for line in csv.reader(io.StringIO(path.read_text("utf-8-sig"))) for c in line]
    assert len(cells) > 1000
    assert all(is_inert(c) for c in cells)
    assert "\x00" not in path.read_text("utf-8-sig")


def test_a_thousand_hostile_names_make_no_formula_in_xlsx(tmp_path: Path) -> None:
    names = hostile_names()
    path = tmp_path / "out.xlsx"
    write_xlsx(path, rows(names), criteria(), lambda n: None)
    book = openpyxl.load_workbook(path)
    checked = 0
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                assert is_inert(cell.value), f"{sheet.title}!{cell.coordinate}: {cell.value!r}"
                checked += 1
    assert checked > 3000


@given(st.text(max_size=60))
def test_neutralised_text_never_starts_a_formula_and_keeps_its_words(text: str) -> None:
    result = neutralise(text)
    assert is_inert(result)
    assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in result)
    visible = "".join(ch for ch in text if ord(ch) >= 32 or ch in "\t\n\r")
    assert result in (visible, "'" + visible)
