"""No spreadsheet cell can become a formula, however hostile the candidate's name."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import openpyxl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from recruit.exports.rows import CriterionScore, ExportRow
from recruit.exports.safety import FORMULA_TRIGGERS, csv_text, neutralise
from recruit.exports.writers import csv_cells, csv_writer, write_csv, write_xlsx
from recruit.models import ApplicationStatus, Criterion, CriterionKind

PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\x00", "\x00=", " =", "\r\n="]
PAYLOADS = ['cmd|" /C calc"!A0', 'HYPERLINK("http://evil.example","x")', "1+1", "SUM(A1:A9)"]
# Where a spreadsheet may start a new cell inside one value: `;` (the list separator in much of
# Europe) and line breaks; a quote after them makes the cell a quoted field that drops it.
SEPARATORS = [";", ";;", "; ", ';"', ';""', "\n", "\r\n", "\r", ",", "\t", ";\r\n"]
# Both separators a spreadsheet may read our comma-separated file with.
DIALECTS = [",", ";"]
PENTEST_NAME = "Name;=cmd|' /C calc'!A0;"


def hostile_names(count: int = 1000) -> list[str]:
    """Names built from every formula trigger, separators and a few classic payloads."""
    chooser = random.Random(20261122)
    names = []
    for i in range(count):
        name = chooser.choice(PREFIXES) + chooser.choice(PAYLOADS)
        for _ in range(chooser.randrange(3)):  # more formulas after a `;` or a line break
            name += chooser.choice(SEPARATORS) + chooser.choice([*PREFIXES, ""])
            name += chooser.choice(PAYLOADS)
        names.append(f"{name} {i}")
    return [PENTEST_NAME, *names[1:]]


def parsed(raw: str, delimiter: str) -> list[list[str]]:
    """The rows a spreadsheet whose list separator is `delimiter` would read."""
    return list(csv.reader(io.StringIO(raw, newline=""), delimiter=delimiter))


def cells_of(raw: str, delimiter: str) -> list[str]:
    """Every cell, in every row, that `delimiter` makes of the CSV text."""
    return [cell for row in parsed(raw, delimiter) for cell in row]


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


@pytest.mark.parametrize("delimiter", DIALECTS)
def test_a_thousand_hostile_names_make_no_formula_in_csv(tmp_path: Path, delimiter: str) -> None:
    names = hostile_names()
    path = tmp_path / "out.csv"
    assert write_csv(path, rows(names), criteria(), lambda n: None) == 1000
    raw = path.read_bytes().decode("utf-8-sig")  # as written: no newline translation
    cells = cells_of(raw, delimiter)
    assert len(cells) > 1000
    assert [c for c in cells if not is_inert(c)] == []
    assert "\x00" not in raw
    if delimiter == ",":  # read with the right separator, every name comes back whole
        assert [row[0] for row in parsed(raw, ",")[1:]] == [csv_text(n) for n in names]


@pytest.mark.parametrize("delimiter", DIALECTS)
def test_the_semicolon_payload_is_quoted_and_inert_in_both_dialects(
    tmp_path: Path, delimiter: str
) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, rows([PENTEST_NAME]), criteria(), lambda n: None)
    raw = path.read_bytes().decode("utf-8-sig")
    assert "\r\n\"Name;'=cmd|' /C calc'!A0;'\"," in raw
    assert [c for c in cells_of(raw, delimiter) if not is_inert(c)] == []


def test_fields_with_separators_quotes_or_line_breaks_are_quoted() -> None:
    out = io.StringIO(newline="")
    values = ["a;b", "a,b", "a\tb", 'a"b', "a\nb", "a\rb", "plain", 3.5, 2, None]
    csv_writer(out).writerow(csv_cells(values))
    assert out.getvalue() == '"a;b","a,b","a\tb","a""b","a\nb","a\rb","plain",3.5,2,""\r\n'


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


# Text rich in the characters that matter here, and anything else Unicode has.
RISKY = st.sampled_from([*";,\"'\t\r\n =+-@\x00", "\u2028", "\ufeff"])
RISKY_TEXT = st.text(st.one_of(RISKY, RISKY, st.characters()), max_size=40)


@given(st.lists(RISKY_TEXT, min_size=1, max_size=6), st.sampled_from(DIALECTS))
@example(["", "\r"], ";")  # a line break last: the next cell opens on our closing quote
@example(["x", "a;"], ";")  # the same with `;`, before the end of the row
@example([PENTEST_NAME, "x"], ";")
def test_no_csv_cell_starts_a_formula_whatever_the_separator(
    values: list[str], delimiter: str
) -> None:
    out = io.StringIO(newline="")
    writer = csv_writer(out)
    writer.writerow(csv_cells(values))
    writer.writerow(csv_cells(reversed(values)))
    assert [c for c in cells_of(out.getvalue(), delimiter) if not is_inert(c)] == []
    if delimiter == ",":
        assert parsed(out.getvalue(), ",")[0] == [csv_text(v) for v in values]


@given(RISKY_TEXT)
def test_csv_text_only_adds_apostrophes(text: str) -> None:
    result = csv_text(text)
    visible = "".join(ch for ch in text if ord(ch) >= 32 or ch in "\t\n\r")
    assert result.replace("'", "") == visible.replace("'", "")
    assert is_inert(result)


@given(st.text(max_size=60))
def test_neutralised_text_never_starts_a_formula_and_keeps_its_words(text: str) -> None:
    result = neutralise(text)
    assert is_inert(result)
    assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in result)
    visible = "".join(ch for ch in text if ord(ch) >= 32 or ch in "\t\n\r")
    assert result in (visible, "'" + visible)
