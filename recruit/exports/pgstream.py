"""Exports on PostgreSQL: the database computes every cell, the worker only streams them to disk.

CSV: `COPY (SELECT line ...) TO STDOUT` in COPY's text format, one column per row holding the
finished CSV line. Text format is unambiguous to read back: a raw newline only ever ends a row,
and a backslash, newline, carriage return or tab inside the line arrives escaped. So each block
needs only its row ends turned into CRLF and, in the rare block holding a backslash, the escapes
undone. XLSX: the cells through a server-side cursor, the next batch fetched in a thread while
this one is written straight to XlsxWriter.

The file is the same, byte for byte (CSV) and cell for cell (XLSX), as writers.py makes from
rows.iter_rows on any database; tests compare the two on hostile data.
"""

from __future__ import annotations

import codecs
import io
import queue
import re
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Select

from recruit.exports import sqlcells, writers
from recruit.extensions import db
from recruit.models import Criterion

Progress = Callable[[int], None]
FLUSH_BYTES: Final = 1 << 16
FETCH_ROWS: Final = 2_000
# For the export's transaction only: its one big statement gains nothing from JIT (seconds of
# compiling on a cold worker), its sort fits in memory at 100,000 rows, and every row is
# fetched, so plan for all of them, not for the first tenth as cursors do. (bench/baseline.py
# runs its statements with these too.)
TUNING: Final = (
    "SET LOCAL jit = off",
    "SET LOCAL work_mem = '64MB'",
    "SET LOCAL cursor_tuple_fraction = 1.0",
)
# Every escape COPY TO's text format emits (it never emits octal or hex ones).
_ESCAPE: Final = re.compile(rb"\\(.)", re.DOTALL)
_UNESCAPED: Final = {
    b"\\": b"\\",
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"b": b"\b",
    b"f": b"\f",
    b"v": b"\v",
}


def supported(connection: Connection) -> bool:
    """True where this module can build the export: PostgreSQL sending UTF-8."""
    if connection.dialect.name != "postgresql":
        return False
    driver = connection.connection.driver_connection
    return getattr(getattr(driver, "info", None), "encoding", None) == "utf-8"


def _unescape(match: re.Match[bytes]) -> bytes:
    return _UNESCAPED.get(match.group(1), match.group(1))


def text_rows_to_crlf(data: bytes) -> bytes:
    """Whole rows of COPY text output (one column) as CSV lines ending in CRLF."""
    # Row ends first: a newline that comes from undoing an escape belongs to a value.
    data = data.replace(b"\n", b"\r\n")
    return _ESCAPE.sub(_unescape, data) if b"\\" in data else data


def compiled(query: Select[Any], connection: Connection) -> str:
    """The statement as text with its values inline (COPY takes no parameters).

    Only integers, decimals and our own constants are inlined: no value comes from a user.
    """
    return str(query.compile(bind=connection, compile_kwargs={"literal_binds": True}))


def header_bytes(criteria: Sequence[Criterion]) -> bytes:
    """The BOM and the header line, exactly as writers.write_csv writes them."""
    text = io.StringIO(newline="")
    writers.csv_writer(text).writerow(writers.csv_cells(writers.headers(criteria)))
    return codecs.BOM_UTF8 + text.getvalue().encode("utf-8")


def copy_lines(copy: Iterable[Any], out: Any, progress: Progress) -> int:
    """Write COPY's text output to `out` as CRLF lines; returns the rows written."""
    pending = bytearray()
    done = 0
    for block in copy:
        pending += block
        if len(pending) >= FLUSH_BYTES:
            cut = pending.rfind(b"\n") + 1
            chunk = bytes(pending[:cut])
            del pending[:cut]
            done += chunk.count(b"\n")
            out.write(text_rows_to_crlf(chunk))
            progress(done)
    if pending:
        done += pending.count(b"\n")
        out.write(text_rows_to_crlf(bytes(pending)))
    progress(done)
    return done


def prefetched(batches: Iterator[Any], depth: int = 2) -> Generator[Any, None, None]:
    """Yield `batches`, fetching the next ones in a thread meanwhile, so the database works while
    the caller writes; at most `depth` batches wait in memory. The thread is joined on exit."""
    waiting: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def hand_over(item: Any) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for batch in batches:
                if not hand_over(batch):
                    return
            hand_over(end)
        except Exception as exc:  # handed to the caller, which raises it
            hand_over(exc)

    thread = threading.Thread(target=fetch, name="export-fetch", daemon=True)
    thread.start()
    try:
        while (item := waiting.get()) is not end:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _prepare(connection: Connection) -> None:
    for statement in TUNING:
        connection.exec_driver_sql(statement)


def write_csv(
    path: Path,
    vacancy_id: int,
    selection: dict[str, Any],
    criteria: Sequence[Criterion],
    progress: Progress,
) -> int:
    """The CSV export streamed from COPY; returns the rows written."""
    connection = db.session.connection()
    _prepare(connection)
    query = sqlcells.csv_lines(sqlcells.facts(vacancy_id, selection, criteria), criteria)
    statement = f"COPY ({compiled(query, connection)}) TO STDOUT"
    driver = connection.connection.driver_connection
    assert driver is not None
    with path.open("wb") as out, driver.cursor() as cursor, cursor.copy(statement) as copy:
        out.write(header_bytes(criteria))
        return copy_lines(copy, out, progress)


def write_xlsx(
    path: Path,
    vacancy_id: int,
    selection: dict[str, Any],
    criteria: Sequence[Criterion],
    progress: Progress,
) -> int:
    """The XLSX export from cells PostgreSQL computed; returns the rows written."""
    facts = sqlcells.facts(vacancy_id, selection, criteria)
    query = sqlcells.xlsx_cells(sqlcells.with_evidence(facts, criteria), criteria)
    connection = db.session.connection()
    _prepare(connection)
    # A server-side cursor for this statement alone, FETCH_ROWS at a time.
    result = connection.execute(query, execution_options={"yield_per": FETCH_ROWS})
    workbook, summary, evidence = writers.open_workbook(path, criteria)
    k = len(criteria)
    texts = (0, 1, 2, 3, 4, 5, 7 + 2 * k)  # identity … last moved, verdict
    numbers = range(6, 7 + 2 * k)  # mean and agreed per criterion, total
    # Bound methods, not write_row: a number cell may be empty (nothing written) while an empty
    # text is still written as a text cell, as writers.write_xlsx does.
    text, number, note = summary.write_string, summary.write_number, evidence.write_string
    count = 0
    # The next batch is fetched (and computed by PostgreSQL) while this one is written; only
    # that thread touches the connection until the loop ends.
    for part in prefetched(result.partitions(FETCH_ROWS)):
        for cells in part:
            count += 1
            for col in texts:
                text(count, col, cells[col])
            for col in numbers:
                if cells[col] is not None:
                    number(count, col, cells[col])
            note(count, 0, cells[0])
            for col in range(k):
                note(count, col + 1, cells[8 + 2 * k + col])
        progress(count)
    result.close()
    workbook.close()
    return count
