"""The baselines: PostgreSQL's own COPY of the CSV export's columns, streamed to a file, and a
raw XlsxWriter (constant_memory) write of the XLSX export's cells, fetched by the database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psycopg
import xlsxwriter

from recruit.exports.pgstream import FETCH_ROWS, TUNING, prefetched
from recruit.taxonomy import STAFF_LABELS


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://...) as libpq understands it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def copy_sql(vacancy_id: int, criteria: list[tuple[int, str]]) -> str:
    """COPY of one SELECT with the same columns as the CSV export, computed by the database."""
    return f"COPY ({select_sql(vacancy_id, criteria)}) TO STDOUT WITH CSV HEADER"


def select_sql(vacancy_id: int, criteria: list[tuple[int, str]], xlsx: bool = False) -> str:
    """The export's columns computed by the database; for XLSX its cells (labels, numbers as
    floats) followed by the evidence sheet's."""
    joins, per_criterion, effective, essentials = [], [], [], []
    evidence = []
    for n, (cid, kind) in enumerate(criteria):
        joins.append(
            # Only integers (formatted :d) are interpolated into this SQL.
            f"LEFT JOIN LATERAL (SELECT round(avg(s.score), 2) AS mean FROM scores s "  # noqa: S608
            f"WHERE s.application_id = a.id AND s.criterion_id = {cid:d} "
            f"AND s.submitted_at IS NOT NULL) m{n} ON true "
            f"LEFT JOIN agreed_scores g{n} ON g{n}.application_id = a.id "
            f"AND g{n}.criterion_id = {cid:d}"
        )
        if xlsx:
            joins.append(
                f"LEFT JOIN criterion_evidence e{n} ON e{n}.application_id = a.id "
                f"AND e{n}.criterion_id = {cid:d}"
            )
            evidence.append(f"e{n}.text")
            per_criterion += [f"m{n}.mean::float8", f"g{n}.score"]
        else:
            per_criterion += [f"m{n}.mean", f"g{n}.score"]
        effective.append(f"COALESCE(g{n}.score::numeric, m{n}.mean)")
        if kind == "essential":
            essentials.append(effective[-1])
    identified = (
        "(NOT v.anonymised_sift OR a.status IN ('shortlisted', 'interview', 'offer', 'appointed') "
        "OR EXISTS (SELECT 1 FROM identity_reveals r WHERE r.application_id = a.id))"
    )
    verdict = " AND ".join(f"{e} >= 2" for e in essentials)
    columns = [
        f"CASE WHEN {identified} THEN u.full_name ELSE 'Candidate ' || a.candidate_number END",
        "a.candidate_number",
        f"CASE WHEN {identified} THEN u.email ELSE '' END",
        _labels() if xlsx else "a.status",
        "to_char(a.submitted_at AT TIME ZONE 'Europe/London', 'DD/MM/YYYY HH24:MI')",
        "to_char((SELECT max(c.changed_at) FROM status_changes c WHERE c.application_id = a.id)"
        " AT TIME ZONE 'Europe/London', 'DD/MM/YYYY HH24:MI')",
        *per_criterion,
        "(SELECT sum(x) FROM (VALUES "  # noqa: S608 - built from the integer ids above
        + ", ".join(f"({e})" for e in effective)
        + ") t(x))"
        + ("::float8" if xlsx else ""),
        f"CASE WHEN {verdict} THEN 'Yes' WHEN NOT ({verdict}) THEN 'No' ELSE 'Not yet scored' END",
    ]
    if xlsx:
        columns += [
            f"CASE WHEN {identified} THEN u.full_name ELSE 'Candidate ' || a.candidate_number END",
            *evidence,
        ]
    select = (
        "SELECT "
        + ",\n  ".join(columns)
        + "\nFROM applications a JOIN users u ON u.id = a.candidate_id"
        + " JOIN vacancies v ON v.id = a.vacancy_id"
        + " LEFT JOIN stored_files f ON f.id = a.cv_file_id\n"
        + "\n".join(joins)
        + f"\nWHERE a.vacancy_id = {vacancy_id:d} AND a.status <> 'draft' ORDER BY a.id"
    )
    return select


def _labels() -> str:
    # Staff labels are our own fixed words (no quotes), so they can be inlined.
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in STAFF_LABELS.items())
    return f"CASE a.status {whens} END"


def criteria(conn: psycopg.Connection[tuple[int, str]], vacancy_id: int) -> list[tuple[int, str]]:
    """The vacancy's criteria ids and kinds in export order."""
    cur = conn.execute(
        "SELECT id, kind FROM criteria WHERE vacancy_id = %s "
        "ORDER BY (kind <> 'essential'), position, id",
        (vacancy_id,),
    )
    return [(int(i), str(k)) for i, k in cur]


def server_cpu(conn: Any) -> float:
    """CPU seconds the connection's PostgreSQL backend has used so far, where /proc shows it
    (a local server); 0 elsewhere. `conn` is a psycopg connection."""
    pid = getattr(getattr(conn, "info", None), "backend_pid", None)  # None on SQLite
    try:
        stat = Path(f"/proc/{pid}/stat").read_text() if pid else ""
    except OSError:
        stat = ""
    if not stat:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name: state is field 3
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def tune(conn: psycopg.Connection[Any]) -> None:
    """The settings the product's export sets for its own transaction, so both sides match."""
    for statement in TUNING:
        conn.execute(statement)


def copy_to(url: str, vacancy_id: int, path: Path, usage: dict[str, float] | None = None) -> int:
    """Stream the COPY into `path` block by block; returns the bytes written. The backend's
    CPU seconds go into `usage["server_cpu"]`."""
    written = 0
    with psycopg.connect(libpq_url(url)) as conn:
        tune(conn)
        sql = copy_sql(vacancy_id, criteria(conn, vacancy_id))
        with conn.cursor() as cur, cur.copy(sql) as copy, path.open("wb") as out:
            for block in copy:
                written += out.write(block)
        if usage is not None:
            usage["server_cpu"] = server_cpu(conn)
    return written


def write_cells(summary: Any, evidence: Any, count: int, row: Any, k: int) -> None:
    """One row's cells with XlsxWriter's typed calls (the quickest it offers; write_row would
    look up each value's type): texts as text, even when empty, and numbers unless missing."""
    for col in (0, 1, 2, 3, 4, 5, 7 + 2 * k):
        summary.write_string(count, col, row[col] or "")
    for col in range(6, 7 + 2 * k):
        if row[col] is not None:
            summary.write_number(count, col, row[col])
    for col in range(k + 1):
        evidence.write_string(count, col, row[8 + 2 * k + col] or "")


def xlsx_to(url: str, vacancy_id: int, path: Path, usage: dict[str, float] | None = None) -> int:
    """Write the XLSX export's cells with raw XlsxWriter (constant_memory), fetched through a
    server-side cursor FETCH_ROWS at a time; returns the rows written."""
    with psycopg.connect(libpq_url(url)) as conn:
        found = criteria(conn, vacancy_id)
        tune(conn)
        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        summary = workbook.add_worksheet("Candidates")
        evidence = workbook.add_worksheet("Evidence")
        k = len(found)
        summary.write_row(0, 0, [f"Column {n}" for n in range(8 + 2 * k)])
        evidence.write_row(0, 0, [f"Column {n}" for n in range(1 + k)])
        count = 0
        with conn.cursor(name="baseline_cells") as cur:
            cur.execute(select_sql(vacancy_id, found, xlsx=True))
            # Fetched as the product fetches: the next batch in a thread while this one is written.
            for batch in prefetched(iter(lambda: cur.fetchmany(FETCH_ROWS), [])):
                for row in batch:
                    count += 1
                    write_cells(summary, evidence, count, row, k)
        workbook.close()
        if usage is not None:
            usage["server_cpu"] = server_cpu(conn)
    return count
