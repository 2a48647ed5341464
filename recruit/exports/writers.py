"""CSV and XLSX writers that stream rows to disk, so memory does not grow with the export."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import xlsxwriter

from recruit.exports.rows import ExportRow, meets_essentials
from recruit.exports.safety import csv_text, xlsx_text
from recruit.formatting import UK
from recruit.models import Criterion, CriterionKind
from recruit.taxonomy import STAFF_LABELS

Progress = Callable[[int], None]


def criterion_code(criterion: Criterion, index: int, criteria: Sequence[Criterion]) -> str:
    """E1, E2 … for essential criteria and D1, D2 … for desirable ones."""
    same_kind = [c for c in criteria[: index + 1] if c.kind is criterion.kind]
    prefix = "E" if criterion.kind is CriterionKind.ESSENTIAL else "D"
    return f"{prefix}{len(same_kind)}"


def headers(criteria: Sequence[Criterion]) -> list[str]:
    """Column titles for the main sheet and the CSV."""
    columns = ["Candidate", "Candidate number", "Email", "Stage", "Submitted", "Last moved"]
    for i, criterion in enumerate(criteria):
        code = criterion_code(criterion, i, criteria)
        columns += [f"{code} mean score", f"{code} agreed score"]
    return [*columns, "Total", "Meets essential criteria"]


def _when(value: datetime | None) -> str:
    return value.astimezone(UK).strftime("%d/%m/%Y %H:%M") if value else ""


def _verdict(value: bool | None) -> str:
    return {True: "Yes", False: "No", None: "Not yet scored"}[value]


def row_values(row: ExportRow, criteria: Sequence[Criterion]) -> list[object]:
    """One application's cells, following the anonymity rule."""
    values: list[object] = [
        row.identity,
        row.candidate_number,
        row.email if row.identified else "",
        STAFF_LABELS[row.status],
        _when(row.submitted_at),
        _when(row.last_moved_at),
    ]
    for score in row.scores:
        values += [score.mean, score.agreed]
    return [*values, row.total, _verdict(meets_essentials(row, criteria))]


def csv_writer(handle: TextIO) -> Any:
    """A writer for our CSV dialect: commas, CRLF, every text field in double quotes.

    Quoting every text field (numbers stay bare) means a `;`, comma, tab, quote or line break
    inside a value never leaves its field, whichever separator the spreadsheet expects.
    """
    return csv.writer(handle, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)


def csv_cells(values: Iterable[object]) -> list[object]:
    """One row's cells for the CSV: text made inert, numbers as they are, None as empty."""
    return ["" if v is None else v if isinstance(v, int | float) else csv_text(v) for v in values]


def write_csv(
    path: Path, rows: Iterable[ExportRow], criteria: Sequence[Criterion], progress: Progress
) -> int:
    """RFC 4180 CSV in UTF-8 (with a BOM so spreadsheet programs detect it); returns rows."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv_writer(handle)
        writer.writerow(csv_cells(headers(criteria)))
        for row in rows:
            writer.writerow(csv_cells(row_values(row, criteria)))
            count += 1
            progress(count)
    return count


def open_workbook(path: Path, criteria: Sequence[Criterion]) -> tuple[Any, Any, Any]:
    """A constant-memory workbook with its summary and evidence sheets, headers written."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    summary = workbook.add_worksheet("Candidates")
    evidence = workbook.add_worksheet("Evidence")
    summary.write_row(0, 0, headers(criteria), bold)
    evidence.write_row(
        0,
        0,
        [
            "Candidate",
            *(
                f"{criterion_code(c, i, criteria)} {xlsx_text(c.text)}"
                for i, c in enumerate(criteria)
            ),
        ],
        bold,
    )
    return workbook, summary, evidence


def write_xlsx(
    path: Path, rows: Iterable[ExportRow], criteria: Sequence[Criterion], progress: Progress
) -> int:
    """XLSX in XlsxWriter's constant-memory mode: a summary sheet and an evidence sheet."""
    workbook, summary, evidence = open_workbook(path, criteria)
    count = 0
    for row in rows:
        count += 1
        for col, value in enumerate(row_values(row, criteria)):
            if isinstance(value, int | float):
                summary.write_number(count, col, value)
            elif value is not None:
                summary.write_string(count, col, xlsx_text(value))
        evidence.write_string(count, 0, xlsx_text(row.identity))
        for col, text in enumerate(row.evidence, start=1):
            evidence.write_string(count, col, xlsx_text(text))
        progress(count)
    workbook.close()
    return count
