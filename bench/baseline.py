"""The baseline: PostgreSQL's own COPY of the CSV export's columns, streamed to a file."""

from __future__ import annotations

from pathlib import Path

import psycopg


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://...) as libpq understands it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def copy_sql(vacancy_id: int, criteria: list[tuple[int, str]]) -> str:
    """One SELECT with the same columns as the CSV export, computed by the database."""
    joins, per_criterion, effective, essentials = [], [], [], []
    for n, (cid, kind) in enumerate(criteria):
        joins.append(
            # Only integers (formatted :d) are interpolated into this SQL.
            f"LEFT JOIN LATERAL (SELECT round(avg(s.score), 2) AS mean FROM scores s "  # noqa: S608
            f"WHERE s.application_id = a.id AND s.criterion_id = {cid:d} "
            f"AND s.submitted_at IS NOT NULL) m{n} ON true "
            f"LEFT JOIN agreed_scores g{n} ON g{n}.application_id = a.id "
            f"AND g{n}.criterion_id = {cid:d}"
        )
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
        "a.status",
        "to_char(a.submitted_at AT TIME ZONE 'Europe/London', 'DD/MM/YYYY HH24:MI')",
        "to_char((SELECT max(c.changed_at) FROM status_changes c WHERE c.application_id = a.id)"
        " AT TIME ZONE 'Europe/London', 'DD/MM/YYYY HH24:MI')",
        *per_criterion,
        "(SELECT sum(x) FROM (VALUES "  # noqa: S608 - built from the integer ids above
        + ", ".join(f"({e})" for e in effective)
        + ") t(x))",
        f"CASE WHEN {verdict} THEN 'Yes' WHEN NOT ({verdict}) THEN 'No' ELSE 'Not yet scored' END",
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
    return f"COPY ({select}) TO STDOUT WITH CSV HEADER"


def criteria(conn: psycopg.Connection[tuple[int, str]], vacancy_id: int) -> list[tuple[int, str]]:
    """The vacancy's criteria ids and kinds in export order."""
    cur = conn.execute(
        "SELECT id, kind FROM criteria WHERE vacancy_id = %s "
        "ORDER BY (kind <> 'essential'), position, id",
        (vacancy_id,),
    )
    return [(int(i), str(k)) for i, k in cur]


def copy_to(url: str, vacancy_id: int, path: Path) -> int:
    """Stream the COPY into `path` block by block; returns the bytes written."""
    written = 0
    with psycopg.connect(libpq_url(url)) as conn:
        sql = copy_sql(vacancy_id, criteria(conn, vacancy_id))
        with conn.cursor() as cur, cur.copy(sql) as copy, path.open("wb") as out:
            for block in copy:
                written += out.write(block)
    return written
