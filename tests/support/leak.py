"""Looking for markers everywhere data can go: files of every export format, every catalog
email, and rows made up for a catalog function's arguments."""

from __future__ import annotations

import enum
import inspect
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from pypdf import PdfReader
from sqlalchemy import JSON, Boolean, DateTime, Enum, Integer, String, Text, select

import recruit.models
from recruit.extensions import db
from recruit.models import Base, UTCDateTime, utcnow
from recruit.notifications import catalog
from recruit.notifications.catalog import EMAILS
from recruit.notifications.mail import build_message


def xlsx_text(data: bytes) -> str:
    """Every cell of every sheet of a workbook, as text."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    cells = [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    book.close()
    return "\n".join(cells)


def file_text(name: str, data: bytes) -> str:
    """What a person opening the file would read: sheets, PDF text, ZIP members, or the bytes."""
    if name.endswith(".xlsx"):
        return xlsx_text(data)
    if name.endswith(".pdf"):
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(
                file_text(member, archive.read(member)) for member in archive.namelist()
            )
    return data.decode("utf-8", errors="replace")


def read_export(path: Path) -> str:
    """The readable text of an export file, and its raw bytes decoded, together."""
    data = path.read_bytes()
    return file_text(path.name, data) + "\n" + data.decode("latin-1")


def _column_value(column: Any, ids: dict[str, int]) -> Any:
    """A plausible value for a required column; foreign keys point at the given rows."""
    for key in column.foreign_keys:
        return ids.get(key.column.table.name)
    kind = column.type
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return next(iter(kind.enum_class))
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, DateTime | UTCDateTime):
        return utcnow()
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, String | Text):
        return "x"
    return None


def made_up_row(model: type[Base], ids: dict[str, int]) -> Any:
    """The first row of `model`'s table, or a new one with its required columns filled."""
    found = db.session.scalar(select(model).limit(1))
    if found is not None:
        return found
    values = {}
    for column in model.__table__.columns:
        if column.primary_key or column.nullable or column.default is not None:
            continue
        if column.server_default is not None:
            continue
        values[column.key] = _column_value(column, ids)
    row = model(**values)
    db.session.add(row)
    db.session.flush()
    return row


def argument_for(name: str, annotation: str, rows: dict[str, Any], ids: dict[str, int]) -> Any:
    """A value for one parameter of a catalog function, by its annotation."""
    simple = {"str": f"{name}-value", "int": 7, "bool": False, "datetime": utcnow()}
    if annotation in simple:
        return simple[annotation]
    if annotation.startswith("list[dict["):
        # A list of records (e.g. a job alert's vacancies): any key a template reads is there.
        return [defaultdict(lambda: f"{name} item")]
    if annotation.startswith("list["):
        return [f"{name} item"]
    if annotation in rows:
        return rows[annotation]
    model = getattr(recruit.models, annotation, None)
    if isinstance(model, type) and issubclass(model, Base):
        return made_up_row(model, ids)
    if isinstance(model, type) and issubclass(model, enum.Enum):
        return next(iter(model))
    raise LookupError(f"no value for {name}: {annotation}")


def catalog_calls() -> dict[str, Callable[..., Any]]:
    """Every email's catalog function, by template name."""
    return {name: getattr(catalog, name) for name in EMAILS}


def render_every_email(
    rows: dict[str, Any], ids: dict[str, int]
) -> tuple[dict[str, str], list[str]]:
    """Call every catalog function with real rows and build the message the worker would send.

    Returns each email's full text (headers, plain and HTML bodies) and the names of any email
    whose arguments could not be made. Runs in the caller's session; the caller rolls back.
    """
    built: dict[str, str] = {}
    skipped: list[str] = []
    for name, function in catalog_calls().items():
        params = inspect.signature(function).parameters.values()
        try:
            values = {p: argument_for(p.name, str(p.annotation), rows, ids) for p in params}
        except LookupError:
            skipped.append(name)
            continue
        args = [value for p, value in values.items() if p.kind is not p.KEYWORD_ONLY]
        kwargs = {p.name: value for p, value in values.items() if p.kind is p.KEYWORD_ONLY}
        message = build_message(function(*args, **kwargs))
        built[name] = message.as_string() + "".join(
            str(part.get_content()) for part in message.walk() if not part.is_multipart()
        )
    return built, skipped
