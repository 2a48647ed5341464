"""Upload limits end to end: 413 before the body is read whole, and a per-user storage quota."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from recruit.extensions import db
from recruit.models import StoredFile
from testkit.documents import pdf_bytes
from testkit.factories import Factory
from testkit.forms import csrf_token_from
from tests.conftest import AppFactory
from tests.support.accounts import log_in
from tests.support.portal import post_apply, skills_vacancy

TWELVE_MB = 12 * 1024 * 1024
QUOTA_MESSAGE = "would take your uploads over the"


class CountingStream(io.BytesIO):
    """A request body that remembers how many bytes the server read from it."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        """Read as usual, counting."""
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def read1(self, size: int | None = -1) -> bytes:
        """Read as usual, counting."""
        chunk = super().read1(size)
        self.bytes_read += len(chunk)
        return chunk

    def readinto(self, buffer: Any) -> int:
        """Read into `buffer` as usual, counting."""
        count = super().readinto(buffer)
        self.bytes_read += count
        return count

    def readline(self, size: int | None = -1) -> bytes:
        """Read a line as usual, counting."""
        chunk = super().readline(size)
        self.bytes_read += len(chunk)
        return chunk


def stored_files(app: Flask) -> int:
    """How many StoredFile rows exist."""
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(StoredFile)) or 0)


def files_on_disk(app: Flask) -> list[Path]:
    """Every file in the upload folder."""
    return sorted(Path(app.config["UPLOAD_DIR"]).iterdir())


def big_apply_body(client: FlaskClient, url: str) -> tuple[bytes, str]:
    """A multipart application form carrying a 12 MB 'PDF', with a valid CSRF token."""
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    values: dict[str, Any] = {
        "csrf_token": token,
        "action": "draft",
        "statement": "Draft.",
        "cv": FileStorage(
            io.BytesIO(pdf_bytes() + b"\0" * TWELVE_MB), "cv.pdf", "cv", "application/pdf"
        ),
    }
    boundary, body = encode_multipart(values)
    return body, f"multipart/form-data; boundary={boundary}"


def candidate_on_apply_page(make: Factory, client: FlaskClient) -> str:
    """Log a candidate in and return the apply URL of an open vacancy."""
    log_in(client, make.candidate())
    return f"/vacancies/{skills_vacancy(make).reference}/apply"


def assert_friendly_413(response: TestResponse) -> None:
    """The GOV.UK 'file too large' page, with the usual security headers."""
    body = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "The file is too large" in body
    assert "larger than 10MB" in body
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_twelve_megabytes_with_a_length_is_refused_unread(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    url = candidate_on_apply_page(make, client)
    body, content_type = big_apply_body(client, url)
    stream = CountingStream(body)
    response = client.post(
        url, input_stream=stream, content_length=len(body), content_type=content_type
    )
    assert_friendly_413(response)
    assert stream.bytes_read == 0  # judged from Content-Length alone
    assert stored_files(app) == 0
    assert files_on_disk(app) == []


def test_twelve_megabytes_without_a_length_stops_at_the_limit(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    url = candidate_on_apply_page(make, client)
    body, content_type = big_apply_body(client, url)
    stream = CountingStream(body)
    response = client.post(
        url,
        input_stream=stream,
        content_type=content_type,
        environ_overrides={"wsgi.input_terminated": True},  # chunked, as gunicorn passes it on
    )
    assert_friendly_413(response)
    assert stream.bytes_read <= int(app.config["MAX_CONTENT_LENGTH"]) + 1024 * 1024
    assert stream.bytes_read < len(body)
    assert stored_files(app) == 0
    assert files_on_disk(app) == []


def quota_for_two(app_factory: AppFactory) -> Flask:
    """An app whose per-user quota holds two of our test PDFs but not three."""
    return app_factory(UPLOAD_QUOTA_BYTES=len(pdf_bytes("cv")) * 2 + 10)


def open_vacancies(make: Factory, count: int) -> list[SimpleNamespace]:
    """`count` open vacancies, each with criteria."""
    return [skills_vacancy(make) for _ in range(count)]


def test_upload_quota_refuses_a_file_that_would_exceed_it(app_factory: AppFactory) -> None:
    app = quota_for_two(app_factory)
    make, client = Factory(app), app.test_client()
    log_in(client, make.candidate())
    first, second, third = open_vacancies(make, 3)
    for vacancy in (first, second):
        saved = post_apply(
            client, vacancy, "draft", {"statement": "x"}, cv=(pdf_bytes("cv"), "a.pdf")
        )
        assert saved.status_code == 302
    before = files_on_disk(app)

    refused = post_apply(client, third, "draft", {"statement": "x"}, cv=(pdf_bytes("cv"), "c.pdf"))
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "There is a problem" in body
    assert QUOTA_MESSAGE in body
    assert stored_files(app) == 2
    assert files_on_disk(app) == before


def test_replacing_a_cv_within_the_quota_is_allowed(app_factory: AppFactory) -> None:
    app = quota_for_two(app_factory)
    make, client = Factory(app), app.test_client()
    log_in(client, make.candidate())
    first, second = open_vacancies(make, 2)
    for vacancy in (first, second):
        post_apply(client, vacancy, "draft", {"statement": "x"}, cv=(pdf_bytes("cv"), "a.pdf"))
    # Full, but a new CV for the first vacancy frees the old one: allowed.
    replaced = post_apply(client, first, "draft", {"statement": "x"}, cv=(pdf_bytes("cv"), "b.pdf"))
    assert replaced.status_code == 302
    assert stored_files(app) == 2


def test_quota_is_per_user(app_factory: AppFactory) -> None:
    app = quota_for_two(app_factory)
    make = Factory(app)
    vacancies = open_vacancies(make, 3)
    for vacancy, person in zip(vacancies, ("Ada", "Ben", "Cy"), strict=True):
        client = app.test_client()
        log_in(client, make.candidate(full_name=f"{person} Candidate"))
        saved = post_apply(
            client, vacancy, "draft", {"statement": "x"}, cv=(pdf_bytes("cv"), "a.pdf")
        )
        assert saved.status_code == 302
    assert stored_files(app) == 3


def test_quota_default_is_fifty_megabytes(app: Flask) -> None:
    assert app.config["UPLOAD_QUOTA_BYTES"] == 50 * 1024 * 1024
