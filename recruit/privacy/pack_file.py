"""Writing the subject access pack: a ZIP of summary.html, data.json and the uploaded files."""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from flask import render_template
from sqlalchemy import select
from werkzeug.utils import secure_filename

from recruit.extensions import db
from recruit.models import StoredFile, User
from recruit.privacy.access_pack import REGISTRY, WITHHELD, gather, to_json
from recruit.uploads import path_for

SUMMARY = "summary.html"
DATA = "data.json"
FILES = "files"


def archive_name(stored: StoredFile) -> str:
    """Where a file goes inside the ZIP: files/<id>-<its name, made safe>."""
    name = secure_filename(stored.original_name) or "file"
    return f"{FILES}/{stored.id}-{name}"


def add_files(bundle: zipfile.ZipFile, data: dict[str, Any]) -> None:
    """Copy each uploaded file into the ZIP; data.json notes where it went (or that it is gone)."""
    rows = {row["id"]: row for row in data.get("files", [])}
    if not rows:
        return
    for stored in db.session.scalars(select(StoredFile).where(StoredFile.id.in_(sorted(rows)))):
        source = path_for(stored)
        row = rows[stored.id]
        if source.is_file():
            row["in_pack"] = archive_name(stored)
            bundle.write(source, row["in_pack"])
        else:
            row["in_pack"] = None  # deleted from disk since it was uploaded


def summary_html(data: dict[str, Any]) -> str:
    """The readable summary: every section as a table, every value escaped by Jinja."""
    titles = {section.name: section.title for section in REGISTRY.values()}
    sections = [
        (name, titles.get(name, name), rows) for name, rows in data.items() if name != "about"
    ]
    return render_template(
        "privacy/access_pack_summary.html",
        about=data["about"],
        sections=sections,
        withheld=WITHHELD,
    )


def write_pack(user: User, target: Path) -> Path:
    """Build the pack for `user` in a temporary file next to `target`, then move it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    data = gather(user)
    handle, scratch = tempfile.mkstemp(dir=target.parent, prefix=".build-", suffix=".zip")
    os.close(handle)
    try:
        with zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            add_files(bundle, data)  # first: it notes where each file went
            bundle.writestr(DATA, to_json(data))
            bundle.writestr(SUMMARY, summary_html(data))
        os.replace(scratch, target)
    finally:
        Path(scratch).unlink(missing_ok=True)
    return target
