"""Exports built by a real worker: CSV, XLSX and the panel pack, opened and checked cell by cell."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from recruit.exports.safety import FORMULA_TRIGGERS
from recruit.extensions import db
from recruit.models import Application as ApplicationModel
from recruit.models import ApplicationStatus, ExportDownload, ExportJob, ExportStatus, StoredFile
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in
from tests.support.smtp import SMTPServer
from tests.support.worker import running_worker, wait_until

pytestmark = pytest.mark.integration

HOSTILE_NAME = '=HYPERLINK("http://evil.example","Click")'
UNICODE_NAME = "Zoë Ó Súilleabháin"


def seed(make: Factory, app: Flask, anonymised: bool = False) -> SimpleNamespace:
    """A vacancy run by a recruiter with three applications, scored and partly moderated."""
    recruiter = make.recruiter(email="lead@midlandsengine.example")
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,), anonymised_sift=anonymised)
    people = [
        make.candidate(full_name=HOSTILE_NAME, email="hostile@example.org"),
        make.candidate(full_name=UNICODE_NAME, email="zoe@example.org"),
        make.candidate(full_name="Amara Okafor", email="amara@example.org"),
    ]
    statuses = [
        ApplicationStatus.SHORTLISTED,
        ApplicationStatus.SHORTLISTED,
        ApplicationStatus.UNDER_REVIEW,
    ]
    apps = [
        make.application(p.id, vacancy.id, status=s) for p, s in zip(people, statuses, strict=True)
    ]
    essential, desirable = vacancy.criteria
    make.scores(apps[0].id, recruiter.id, {essential.id: 3, desirable.id: 1})
    make.scores(apps[1].id, recruiter.id, {essential.id: 1, desirable.id: 4})
    make.agreed(apps[1].id, essential.id, 2)
    with app.app_context():
        shortlisted = db.session.scalars(
            select(ApplicationModel).where(ApplicationModel.status == ApplicationStatus.SHORTLISTED)
        ).all()
        for row in shortlisted:
            row.on_shortlist = True
        cv = write_cv(app, people[1].id, b"%PDF-1.4 Zoe's CV")
        db.session.get(ApplicationModel, apps[1].id).cv_file_id = cv  # type: ignore[union-attr]
        db.session.commit()
    return SimpleNamespace(recruiter=recruiter, vacancy=vacancy, people=people, apps=apps)


def write_cv(app: Flask, owner_id: int, content: bytes) -> int:
    """Store a CV the way uploads do and return its StoredFile id."""
    key = f"cv{owner_id:04d}".ljust(32, "0")
    (Path(app.config["UPLOAD_DIR"]) / key).write_bytes(content)
    stored = StoredFile(
        owner_id=owner_id,
        storage_key=key,
        original_name="Zoe CV.pdf",
        content_type="application/pdf",
        size_bytes=len(content),
        sha256="0" * 64,
    )
    db.session.add(stored)
    db.session.flush()
    return stored.id


def request_export(client: FlaskClient, vacancy_id: int, fmt: str, which: str) -> int:
    """Ask for an export through the form and return its id."""
    page = f"/admin/vacancies/{vacancy_id}/exports"
    response = submit(client, page, {"fmt": fmt, "which": which, "stage": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def export_finished(client: FlaskClient, export_id: int) -> bool:
    """Whether the export's status page reports it ready or failed."""
    status = client.get(f"/admin/exports/{export_id}/status").get_json()
    return status["status"] in ("ready", "failed")


def build_and_download(
    app: Flask,
    client: FlaskClient,
    smtp: SMTPServer,
    tmp_path: Path,
    vacancy_id: int,
    fmt: str,
    which: str = "all",
) -> bytes:
    """Request an export, let a real worker build it, follow the email, download the file."""
    with running_worker(app, tmp_path / "worker") as worker:
        export_id = request_export(client, vacancy_id, fmt, which)
        try:
            wait_until(lambda: export_finished(client, export_id), message="export finished")
        except AssertionError:
            raise AssertionError(f"export not finished; worker log:\n{worker.log()}") from None
        status = client.get(f"/admin/exports/{export_id}/status").get_json()
        assert status["status"] == "ready", status
        assert status["done"] == status["total"]
        email = smtp.wait_for(lambda m: f"/admin/exports/{export_id}" in m.text)
    assert email.rcpt_tos == ["lead@midlandsengine.example"]
    response = client.get(status["download_url"])
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        assert db.session.scalar(
            select(ExportDownload).where(ExportDownload.export_id == export_id)
        )
        job = db.session.get(ExportJob, export_id)
        assert job is not None and job.status is ExportStatus.READY
        assert len(list(Path(app.config["EXPORT_DIR"]).glob(f"export-{export_id}.*"))) == 1
    return response.data


def no_formula(value: Any) -> bool:
    return not (isinstance(value, str) and value.startswith(FORMULA_TRIGGERS))


def test_csv_export(
    app: Flask, client: FlaskClient, make: Factory, smtp: SMTPServer, tmp_path: Path
) -> None:
    data = seed(make, app)
    log_in(client, data.recruiter)
    body = build_and_download(app, client, smtp, tmp_path, data.vacancy.id, "csv")
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    assert b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, lines = rows[0], rows[1:]
    assert header[:4] == ["Candidate", "Candidate number", "Email", "Stage"]
    assert len(lines) == 3
    by_email = {line[2]: dict(zip(header, line, strict=True)) for line in lines}
    hostile = by_email["hostile@example.org"]
    assert hostile["Candidate"] == "'" + HOSTILE_NAME
    assert hostile["E1 mean score"] == "3.0" and hostile["Total"] == "4.0"
    zoe = by_email["zoe@example.org"]
    assert zoe["Candidate"] == UNICODE_NAME
    assert zoe["E1 agreed score"] == "2" and zoe["Total"] == "6.0"
    assert zoe["Meets essential criteria"] == "Yes"
    assert by_email["amara@example.org"]["Meets essential criteria"] == "Not yet scored"
    assert by_email["amara@example.org"]["Stage"] == "Under review"
    assert all(no_formula(cell) for line in lines for cell in line)


def test_xlsx_export(
    app: Flask, client: FlaskClient, make: Factory, smtp: SMTPServer, tmp_path: Path
) -> None:
    data = seed(make, app)
    log_in(client, data.recruiter)
    body = build_and_download(app, client, smtp, tmp_path, data.vacancy.id, "xlsx", "shortlist")
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["Candidates", "Evidence"]
    summary = list(book["Candidates"].iter_rows(values_only=True))
    header, lines = summary[0], summary[1:]
    assert len(lines) == 2  # the shortlist only
    cells = {row[1]: dict(zip(header, row, strict=True)) for row in lines}
    names = sorted(str(c["Candidate"]) for c in cells.values())
    assert names == sorted(["'" + HOSTILE_NAME, UNICODE_NAME])
    zoe = next(c for c in cells.values() if c["Candidate"] == UNICODE_NAME)
    assert zoe["E1 mean score"] == 1 and zoe["E1 agreed score"] == 2 and zoe["Total"] == 6
    assert zoe["Stage"] == "Shortlisted"
    evidence = list(book["Evidence"].iter_rows(values_only=True))
    assert evidence[0][0] == "Candidate" and str(evidence[0][1]).startswith("E1 ")
    assert any("Evidence for" in str(v) for v in evidence[1])
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
                assert no_formula(cell.value)


def test_panel_pack(
    app: Flask, client: FlaskClient, make: Factory, smtp: SMTPServer, tmp_path: Path
) -> None:
    data = seed(make, app)
    log_in(client, data.recruiter)
    body = build_and_download(app, client, smtp, tmp_path, data.vacancy.id, "pack", "shortlist")
    bundle = zipfile.ZipFile(io.BytesIO(body))
    names = bundle.namelist()
    assert "candidates.xlsx" in names and "panel-pack.pdf" in names
    cvs = [n for n in names if n.startswith("CVs/")]
    assert len(cvs) == 1 and cvs[0].endswith(".pdf") and "Zo" in cvs[0]
    assert bundle.read(cvs[0]) == b"%PDF-1.4 Zoe's CV"
    pdf = PdfReader(io.BytesIO(bundle.read("panel-pack.pdf")))
    assert len(pdf.pages) >= 3  # a cover and a page per shortlisted candidate
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert UNICODE_NAME in text
    assert data.vacancy.title in text


def test_anonymised_sift_export_names_nobody(
    app: Flask, client: FlaskClient, make: Factory, smtp: SMTPServer, tmp_path: Path
) -> None:
    data = seed(make, app, anonymised=True)
    with app.app_context():
        for row in db.session.scalars(select(ApplicationModel)):
            row.status = ApplicationStatus.UNDER_REVIEW  # back in the sift: nobody identified
        db.session.commit()
    log_in(client, data.recruiter)
    body = build_and_download(app, client, smtp, tmp_path, data.vacancy.id, "pack", "all")
    bundle = zipfile.ZipFile(io.BytesIO(body))
    assert not [n for n in bundle.namelist() if n.startswith("CVs/")]
    blobs = [bundle.read(n) for n in bundle.namelist()]
    workbook = zipfile.ZipFile(io.BytesIO(bundle.read("candidates.xlsx")))
    blobs += [workbook.read(n) for n in workbook.namelist()]
    pdf = PdfReader(io.BytesIO(bundle.read("panel-pack.pdf")))
    texts = [b.decode("utf-8", "ignore") for b in blobs] + [p.extract_text() for p in pdf.pages]
    for person in data.people:
        for secret in (person.full_name, person.email, "Zoe CV"):
            assert not any(secret in t for t in texts), f"{secret!r} leaked into the pack"
    assert any("Candidate C-" in t for t in texts)
