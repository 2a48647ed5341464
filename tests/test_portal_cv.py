"""CVs through the application form: stored safely, replaced, refused when unsafe."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from recruit.extensions import db
from recruit.models import ApplicationStatus, StoredFile
from testkit.documents import docx_bytes, docx_declaring_size, exe_bytes, pdf_bytes
from tests.support.portal import answers, post_apply
from tests.support.rows import only_application


def test_cv_saved_with_draft_counts_for_submission(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "draft", {"statement": "Draft."}, cv=(docx_bytes(), "CV.docx"))
    page = client.get(f"/vacancies/{vacancy.reference}/apply").get_data(as_text=True)
    assert "Current file: <strong>CV.docx</strong>" in page
    response = post_apply(client, vacancy, "submit", answers(vacancy))
    assert response.status_code == 302
    assert only_application(app).status is ApplicationStatus.SUBMITTED


def test_replacing_cv_deletes_the_old_file(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    post_apply(client, vacancy, "draft", {"statement": "Draft."}, cv=(pdf_bytes("one"), "a.pdf"))
    first = only_application(app).cv_file
    assert first is not None
    post_apply(client, vacancy, "draft", {"statement": "Draft."}, cv=(pdf_bytes("two"), "b.pdf"))
    second = only_application(app).cv_file
    assert second is not None and second.original_name == "b.pdf"
    folder = Path(app.config["UPLOAD_DIR"])
    assert not (folder / first.storage_key).exists()
    assert (folder / second.storage_key).read_bytes() == pdf_bytes("two")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1


def test_cv_is_stored_under_a_random_name(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    data = pdf_bytes()
    post_apply(client, vacancy, "draft", {"statement": "x"}, cv=(data, "Ada's CV.pdf"))
    stored = only_application(app).cv_file
    assert stored is not None
    assert re.fullmatch(r"[0-9a-f]{32}", stored.storage_key)
    assert stored.original_name == "Ada's CV.pdf"
    assert stored.content_type == "application/pdf"
    assert stored.size_bytes == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.owner_id == candidate.id
    folder = Path(app.config["UPLOAD_DIR"])
    assert [p.name for p in folder.iterdir()] == [stored.storage_key]
    assert (folder / stored.storage_key).read_bytes() == data


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (exe_bytes(), "cv.pdf", "The selected file must be a PDF or Word document (.docx)"),
        (exe_bytes(), "setup.exe", "The selected file must be a PDF or Word document (.docx)"),
        (b"plain text", "cv.txt", "The selected file must be a PDF or Word document (.docx)"),
        (pdf_bytes(), "cv.txt", "The selected file must be a PDF or Word document (.docx)"),
        (
            docx_bytes(extra_entries=1000),
            "cv.docx",
            "The selected file must be a PDF or Word document (.docx)",
        ),
        (docx_declaring_size(), "cv.docx", "The selected Word document unpacks to more than 100MB"),
        (b"", "cv.pdf", "The selected file is empty"),
        (pdf_bytes() + b"\0" * (10 * 1024 * 1024), "cv.pdf", "smaller than 10MB"),
    ],
    ids=["exe-as-pdf", "exe", "txt", "pdf-as-txt", "many-entries", "bomb", "empty", "too-big"],
)
def test_bad_cv_refused_with_form_error(
    app: Flask,
    client: FlaskClient,
    candidate: SimpleNamespace,
    vacancy: SimpleNamespace,
    data: bytes,
    name: str,
    message: str,
) -> None:
    response = post_apply(client, vacancy, "draft", {"statement": "x"}, cv=(data, name))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'href="#cv"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_whole_request_over_the_limit_is_413(
    client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    huge = b"%PDF-" + b"\0" * (11 * 1024 * 1024)
    response = post_apply(client, vacancy, "draft", {"statement": "x"}, cv=(huge, "cv.pdf"))
    assert response.status_code == 413
