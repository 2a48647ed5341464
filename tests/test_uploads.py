"""CV upload checks: judged by content, size-limited while reading, stored under random names."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage

from recruit import uploads
from recruit.extensions import db
from recruit.models import StoredFile
from recruit.uploads import DOCX_TYPE, PDF_TYPE, UploadError, check_upload, store_upload
from testkit.documents import (
    docx_bytes,
    docx_declaring_size,
    exe_bytes,
    pdf_bytes,
    plain_zip_bytes,
)
from testkit.factories import Factory


def storage(data: bytes, name: str) -> FileStorage:
    """An upload as Werkzeug hands it to a view."""
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.fixture
def no_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to read a member out of a ZIP."""

    real_open = zipfile.ZipFile.open

    def guarded_open(self: zipfile.ZipFile, name: Any, mode: str = "r", **kwargs: Any) -> Any:
        if mode == "r":
            raise AssertionError("a ZIP member was extracted")
        return real_open(self, name, mode, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", guarded_open)


def test_real_pdf_accepted(app: Flask) -> None:
    data = pdf_bytes()
    with app.app_context():
        checked = check_upload(storage(data, "My CV.pdf"))
    assert checked.content_type == PDF_TYPE
    assert checked.size_bytes == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.display_name == "My CV.pdf"


def test_real_docx_accepted(app: Flask) -> None:
    with app.app_context():
        checked = check_upload(storage(docx_bytes(), "cv.DOCX"))
    assert checked.content_type == DOCX_TYPE


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (exe_bytes(), "cv.pdf"),  # an executable renamed
        (exe_bytes(), "cv.exe"),
        (b"Just some text, not a CV file", "cv.pdf"),  # a text file renamed
        (pdf_bytes(), "cv.txt"),  # right content, wrong extension
        (pdf_bytes(), "cv.docx"),
        (docx_bytes(), "cv.pdf"),
        (pdf_bytes(), "cv"),
        (plain_zip_bytes(), "cv.docx"),  # a ZIP that is not a Word document
    ],
)
def test_content_and_extension_must_agree(app: Flask, data: bytes, name: str) -> None:
    with app.app_context(), pytest.raises(UploadError, match=r"must be a PDF or Word document"):
        check_upload(storage(data, name))


def test_docx_with_too_many_entries_refused(app: Flask, no_extraction: None) -> None:
    with app.app_context(), pytest.raises(UploadError, match="PDF or Word document"):
        check_upload(storage(docx_bytes(extra_entries=1000), "cv.docx"))


def test_docx_declaring_huge_size_refused(app: Flask, no_extraction: None) -> None:
    data = docx_declaring_size()
    assert len(data) < 5000
    with app.app_context(), pytest.raises(UploadError, match="unpacks to more than 100MB"):
        check_upload(storage(data, "cv.docx"))


MIB = 1024 * 1024
DOS_DATE = 33  # 1 January 1980, the first day a ZIP can name


def zip_with_lying_sizes(
    parts: dict[str, bytes], liar: str, inflated_mib: int, claim: int
) -> bytes:
    """A ZIP built byte by byte: `parts` deflated honestly, except `liar`, whose deflate stream
    unpacks to `inflated_mib` MiB of zeros while both its headers claim `claim` bytes (with the
    CRC of those first bytes, so a reader that believes the claim finds nothing wrong)."""
    out, directory = bytearray(), bytearray()
    for name, text in [*parts.items(), (liar, b"")]:
        if name == liar:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            # After a full flush the compressor forgets its history, so each MiB packs the same.
            first = packer.compress(b"\0" * MIB) + packer.flush(zlib.Z_FULL_FLUSH)
            block = packer.compress(b"\0" * MIB) + packer.flush(zlib.Z_FULL_FLUSH)
            data = first + block * (inflated_mib - 1) + packer.flush()
            crc, size = zlib.crc32(b"\0" * claim), claim
        else:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            data = packer.compress(text) + packer.flush()
            crc, size = zlib.crc32(text), len(text)
        encoded = name.encode()
        fields = (8, 0, DOS_DATE, crc, len(data), size, len(encoded))
        directory += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, *fields, 0, 0, 0, 0, 0, len(out)
        )
        directory += encoded
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, *fields, 0) + encoded + data
    count = len(parts) + 1
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(out), 0)
    return bytes(out + directory + end)


class CountingStream(io.BytesIO):
    """An upload stream that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_total = 0

    def read(self, size: int | None = -1) -> bytes:
        """Read, and count."""
        chunk = super().read(size)
        self.read_total += len(chunk)
        return chunk


def test_zip_bomb_whose_headers_understate_its_size_is_refused_unexpanded(app: Flask) -> None:
    parts = {
        "[Content_Types].xml": b"<Types/>",
        "_rels/.rels": b"<Relationships/>",
    }
    data = zip_with_lying_sizes(parts, "word/document.xml", inflated_mib=1024, claim=1000)
    assert len(data) < 2 * MIB  # a gigabyte once unpacked
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sum(entry.file_size for entry in archive.infolist()) < 2000
        assert archive.read("word/document.xml") == b"\0" * 1000  # believing it, all is well
    stream = CountingStream(data)
    with app.app_context(), pytest.raises(UploadError, match="unpacks to more than it declares"):
        check_upload(FileStorage(stream=stream, filename="cv.docx"))
    # One pass to measure the upload, then only the first few KiB of the bomb: not expanded.
    assert stream.read_total < len(data) + 256 * 1024


def test_empty_file_refused(app: Flask) -> None:
    with app.app_context(), pytest.raises(UploadError, match="The selected file is empty"):
        check_upload(storage(b"", "cv.pdf"))


def test_reading_stops_once_over_the_limit(app: Flask) -> None:
    class Counting(io.BytesIO):
        read_total = 0

        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            Counting.read_total += len(chunk)
            return chunk

    stream = Counting(pdf_bytes() + b"\0" * 1_000_000)
    with app.app_context(), pytest.raises(UploadError, match="smaller than"):
        check_upload(FileStorage(stream=stream, filename="cv.pdf"), limit=100_000)
    assert Counting.read_total <= 100_000 + uploads.CHUNK


def test_over_ten_megabytes_refused(app: Flask) -> None:
    data = pdf_bytes() + b"\0" * (10 * 1024 * 1024)
    with app.app_context(), pytest.raises(UploadError, match="smaller than 10MB"):
        check_upload(storage(data, "cv.pdf"))


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\cv.pdf", "cv.pdf"),
        ("cv\x00\r\n.pdf", "cv.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("", "cv"),
        ("Ótilia Nuñez CV.pdf", "Ótilia Nuñez CV.pdf"),
    ],
)
def test_display_name_is_sanitised(raw: str, shown: str) -> None:
    assert uploads.display_name(raw) == shown


def test_long_display_name_keeps_extension() -> None:
    name = uploads.display_name("x" * 300 + ".docx")
    assert len(name) <= 120
    assert name.endswith(".docx")


def test_stored_under_random_name_in_upload_dir(app: Flask, make: Factory) -> None:
    candidate = make.candidate()
    data = pdf_bytes()
    with app.app_context():
        upload = storage(data, "cv.pdf")
        stored = store_upload(upload, check_upload(upload), candidate.id)
        db.session.commit()
        path = uploads.path_for(stored)
        folder = Path(app.config["UPLOAD_DIR"])
        assert path.parent == folder
        assert re.fullmatch(r"[0-9a-f]{32}", path.name)
        assert "cv" not in path.name
        assert path.read_bytes() == data
        assert stored.sha256 == hashlib.sha256(data).hexdigest()
        assert "static" not in folder.parts
        assert not list(folder.glob(".*.part"))


def test_file_removed_when_transaction_rolls_back(app: Flask, make: Factory) -> None:
    candidate = make.candidate()
    with app.app_context():
        upload = storage(pdf_bytes(), "cv.pdf")
        stored = store_upload(upload, check_upload(upload), candidate.id)
        db.session.flush()
        path = uploads.path_for(stored)
        assert path.exists()
        db.session.rollback()
        assert not path.exists()
        assert db.session.query(StoredFile).count() == 0


def test_discarded_file_removed_after_commit(app: Flask, make: Factory) -> None:
    candidate = make.candidate()
    with app.app_context():
        upload = storage(pdf_bytes(), "cv.pdf")
        stored = store_upload(upload, check_upload(upload), candidate.id)
        db.session.commit()
        path = uploads.path_for(stored)
        uploads.discard(stored)
        assert path.exists()  # kept until the deletion is durable
        db.session.commit()
        assert not path.exists()
