"""Export jobs (shortlist packs and spreadsheets) and the record of every download."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recruit.models.base import Base, UTCDateTime, text_enum, utcnow


class ExportFormat(enum.StrEnum):
    """What a recruiter can ask for."""

    CSV = "csv"
    XLSX = "xlsx"
    PACK = "pack"  # ZIP: the XLSX, a PDF with a page per candidate, and the CVs


class ExportStatus(enum.StrEnum):
    """Life of an export job; `queued` rows are this job's outbox."""

    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"


class BuiltFileJob:
    """Columns of every job a worker builds into a file in EXPORT_DIR (exports, equality
    reports): its status, progress, claims, file and error. Plain columns only, so the mixin
    needs no `declared_attr`; a table may redeclare one to index it."""

    # First in each table: a mixin's columns otherwise come after the table's own.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    status: Mapped[ExportStatus] = mapped_column(
        text_enum(ExportStatus), default=ExportStatus.QUEUED, index=True
    )
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    storage_key: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ExportJob(BuiltFileJob, Base):
    """One requested export of a vacancy's applications, built by a worker."""

    __tablename__ = "export_jobs"

    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    format: Mapped[ExportFormat] = mapped_column(text_enum(ExportFormat))
    # Which applications: {"list": "shortlist"|"longlist"|None, "statuses": [...]}.
    selection: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    # The mixin's column, indexed on this table.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class ExportDownload(Base):
    """Who downloaded an export, and when: downloads of personal data are audited."""

    __tablename__ = "export_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    export_id: Mapped[int] = mapped_column(
        ForeignKey("export_jobs.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_address: Mapped[str] = mapped_column(String(64), default="")
    downloaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
