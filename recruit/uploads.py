"""CV uploads: checked by content, stored under random names outside any served folder."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from flask import current_app
from sqlalchemy import ColumnElement, ScalarSelect, event, func, select
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.datastructures import FileStorage

from recruit.extensions import db
from recruit.models import StoredFile

PDF_TYPE: Final = "application/pdf"
DOCX_TYPE: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSION_TYPES: Final = {".pdf": PDF_TYPE, ".docx": DOCX_TYPE}
DOCX_REQUIRED: Final = frozenset({"[Content_Types].xml", "word/document.xml"})
MAX_ZIP_ENTRIES: Final = 1000
MAX_ZIP_UNCOMPRESSED: Final = 100 * 1024 * 1024
CHUNK: Final = 64 * 1024

WRONG_TYPE: Final = "The selected file must be a PDF or Word document (.docx)"
UNPACKS_TOO_LARGE: Final = (
    "The selected Word document unpacks to more than 100MB. Make it smaller, or upload a PDF"
)
UNPACKS_MORE_THAN_IT_SAYS: Final = (
    "The selected file is not a valid Word document: part of it unpacks to more than it "
    "declares. Save it again from Word, or upload a PDF"
)
# What a ZIP that is damaged, encrypted or packed in a way we cannot read may raise.
_UNREADABLE_ZIP: Final = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    zlib.error,
)
EMPTY: Final = "The selected file is empty"
MIB: Final = 1024 * 1024

_NEW_KEY: Final = "recruit.uploads_new"
_DOOMED_KEY: Final = "recruit.uploads_doomed"
_STORAGE_KEY_RE: Final = re.compile(r"^[0-9a-f]{32}$")


class UploadError(ValueError):
    """An upload we refuse; the message is fit to show the user."""


@dataclass(frozen=True)
class CheckedUpload:
    """What we learned about an upload that passed every check."""

    display_name: str
    content_type: str
    size_bytes: int
    sha256: str


def too_large_message(limit: int) -> str:
    """The GOV.UK wording for a file over the size limit."""
    return f"The selected file must be smaller than {limit // MIB}MB"


def over_quota_message(quota: int) -> str:
    """What a user is told when a file would take their uploads past their allowance."""
    return (
        f"The selected file would take your uploads over the {quota // MIB}MB allowance "
        "for your account. Choose a smaller file"
    )


def stored_bytes_query(owner_id: int | ColumnElement[int]) -> ScalarSelect[int]:
    """SQL for the bytes the user has stored, to read alongside other things in one query.

    `owner_id` may be a bound parameter, for a statement built once and run many times.
    """
    return (
        select(func.coalesce(func.sum(StoredFile.size_bytes), 0))
        .where(StoredFile.owner_id == owner_id)
        .scalar_subquery()
    )


def stored_bytes(owner_id: int) -> int:
    """Bytes of every file the user has stored (replaced files are deleted, so not counted)."""
    return int(db.session.scalar(select(stored_bytes_query(owner_id))) or 0)


def check_quota(
    owner_id: int, incoming: int, replacing: int = 0, stored: int | None = None
) -> None:
    """Refuse a file of `incoming` bytes that would take the user past UPLOAD_QUOTA_BYTES.

    `replacing` is the size of a file this upload replaces, which is deleted when it is stored.
    `stored` is what the user has stored, if the caller has read it already.
    """
    quota = int(current_app.config["UPLOAD_QUOTA_BYTES"])
    held = stored_bytes(owner_id) if stored is None else stored
    if held - replacing + incoming > quota:
        raise UploadError(over_quota_message(quota))


def display_name(filename: str | None) -> str:
    """A file name safe to show and to offer as a download name: no path, no control characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).lstrip(".")
    stem, dot, ext = name.rpartition(".")
    if dot and len(name) > 120:
        name = stem[: 119 - len(ext)] + "." + ext
    return name[:120] or "cv"


def _measure(stream: IO[bytes], limit: int) -> tuple[int, str]:
    """Size and SHA-256 of the stream, stopping as soon as it passes `limit` bytes."""
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise UploadError(too_large_message(limit))
        digest.update(chunk)
    return size, digest.hexdigest()


def _is_docx(stream: IO[bytes]) -> bool:
    """A Word document: the parts it needs, each unpacking to no more than its directory says.

    The directory is not trusted: every compressed part is read through, with a cap, so a
    "zip bomb" whose directory understates its size is refused (UploadError) unexpanded.
    """
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                return False
            if sum(entry.file_size for entry in entries) > MAX_ZIP_UNCOMPRESSED:
                raise UploadError(UNPACKS_TOO_LARGE)
            if not {entry.filename for entry in entries} >= DOCX_REQUIRED:
                return False
            return all(_unpacks_as_declared(archive, entry) for entry in entries)
    except UploadError:
        raise
    except (*_UNREADABLE_ZIP, ValueError):
        return False


def _unpacks_as_declared(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    """Read one part, stopping once it passes its declared size; True if it unpacks to exactly
    that size (zipfile checks the CRC). Raise UploadError if it unpacks to more."""
    if entry.compress_type == zipfile.ZIP_STORED:
        return True  # nothing unpacks: its bytes are part of the upload, already measured
    probe = copy.copy(entry)
    # zipfile stops at the declared size, which would hide a lie; our own cap stops us instead.
    probe.file_size = MAX_ZIP_UNCOMPRESSED + 1
    unpacked = 0
    with archive.open(probe) as member:
        while chunk := member.read(CHUNK):
            unpacked += len(chunk)
            if unpacked > entry.file_size:
                raise UploadError(UNPACKS_MORE_THAN_IT_SAYS)
    return unpacked == entry.file_size


def sniff_type(stream: IO[bytes]) -> str | None:
    """The content type the bytes really are (PDF or DOCX), or None."""
    stream.seek(0)
    if stream.read(5) == b"%PDF-":
        return PDF_TYPE
    return DOCX_TYPE if _is_docx(stream) else None


def check_upload(upload: FileStorage, limit: int | None = None) -> CheckedUpload:
    """Check size, content and extension of a CV; raise UploadError with the reason if refused."""
    limit = int(current_app.config["MAX_CV_BYTES"]) if limit is None else limit
    stream = upload.stream
    size, sha256 = _measure(stream, limit)
    if size == 0:
        raise UploadError(EMPTY)
    name = display_name(upload.filename)
    content_type = sniff_type(stream)
    stream.seek(0)
    # The extension must agree with the content, so a renamed file is not opened by the wrong app.
    if content_type is None or EXTENSION_TYPES.get(Path(name).suffix.lower()) != content_type:
        raise UploadError(WRONG_TYPE)
    return CheckedUpload(name, content_type, size, sha256)


def upload_dir() -> Path:
    """The folder CVs are kept in; never under `static`."""
    return Path(current_app.config["UPLOAD_DIR"])


def path_for(stored: StoredFile) -> Path:
    """Where a stored file's bytes live on disk."""
    if not _STORAGE_KEY_RE.fullmatch(stored.storage_key):
        raise ValueError("malformed storage key")
    return upload_dir() / stored.storage_key


def store_upload(upload: FileStorage, checked: CheckedUpload, owner_id: int) -> StoredFile:
    """Write the checked bytes under a random name and add their StoredFile row to the session."""
    stored = StoredFile(**_file_row(upload, checked, owner_id))
    db.session.add(stored)
    return stored


def _file_row(upload: FileStorage, checked: CheckedUpload, owner_id: int) -> dict[str, object]:
    """Write the bytes to disk (removed again if the transaction does not commit); the row."""
    key = secrets.token_hex(16)
    folder = upload_dir()
    final = folder / key
    temp = folder / f".{key}.part"
    upload.stream.seek(0)
    try:
        with temp.open("xb") as out:
            while chunk := upload.stream.read(CHUNK):
                out.write(chunk)
        os.replace(temp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    db.session.info.setdefault(_NEW_KEY, []).append(final)
    return {
        "owner_id": owner_id,
        "storage_key": key,
        "original_name": checked.display_name,
        "content_type": checked.content_type,
        "size_bytes": checked.size_bytes,
        "sha256": checked.sha256,
    }


def discard(stored: StoredFile) -> None:
    """Delete the row now and the bytes once the transaction commits."""
    db.session.info.setdefault(_DOOMED_KEY, []).append(path_for(stored))
    db.session.delete(stored)


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _after_commit(session: Session) -> None:
    # A savepoint release also fires after_commit; only the outermost commit is final.
    if session.in_nested_transaction():
        return
    session.info.pop(_NEW_KEY, None)
    _unlink_all(session.info.pop(_DOOMED_KEY, []))


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.nested:
        return
    session.info.pop(_DOOMED_KEY, None)
    # Files written by a transaction that never committed are unreferenced: remove them.
    _unlink_all(session.info.pop(_NEW_KEY, []))


if not event.contains(Session, "after_commit", _after_commit):
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
