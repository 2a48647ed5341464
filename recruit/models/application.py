"""Applications, their evidence, CVs and status history."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recruit.models.base import Base, UTCDateTime, utcnow
from recruit.models.user import User
from recruit.models.vacancy import Criterion, Vacancy

if TYPE_CHECKING:
    from recruit.models.sift import IdentityReveal

# No 0/O or 1/I, so a number read aloud or copied by hand is unambiguous.
CANDIDATE_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class ApplicationStatus(enum.StrEnum):
    """The pipeline stages an application moves through."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    SHORTLISTED = "shortlisted"
    INTERVIEW = "interview"
    OFFER = "offer"
    APPOINTED = "appointed"
    UNSUCCESSFUL = "unsuccessful"
    WITHDRAWN = "withdrawn"


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


def new_candidate_number() -> str:
    """A random candidate number like C-7KQ4-XM2P: stable, and unrelated to any account id."""
    chars = "".join(secrets.choice(CANDIDATE_NUMBER_ALPHABET) for _ in range(8))
    return f"C-{chars[:4]}-{chars[4:]}"


class StoredFile(Base):
    """An uploaded file kept under a random name outside any served folder."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Application(Base):
    """One candidate's application to one vacancy."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("vacancy_id", "candidate_id"),
        UniqueConstraint("vacancy_id", "candidate_number"),
        # The board's default order (recruit.services.board): page 1 of a vacancy reads ten
        # index entries, not every application.
        Index("ix_applications_vacancy_submitted", "vacancy_id", "submitted_at", "id"),
        # An id, and so an APP- reference, is never given out twice, even after the latest
        # application was purged or erased (SQLite otherwise reuses the largest rowid).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        _enum(ApplicationStatus), default=ApplicationStatus.DRAFT, index=True
    )
    statement: Mapped[str] = mapped_column(Text, default="")
    cv_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_files.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the candidate was reminded that this draft is unsubmitted; set once, never again.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What assessors see instead of the name during an anonymised sift.
    candidate_number: Mapped[str] = mapped_column(String(16), default=new_candidate_number)
    # The recruiters' working lists; neither changes the status or emails the candidate.
    on_longlist: Mapped[bool] = mapped_column(default=False, server_default=false())
    on_shortlist: Mapped[bool] = mapped_column(default=False, server_default=false())

    vacancy: Mapped[Vacancy] = relationship()
    candidate: Mapped[User] = relationship()
    cv_file: Mapped[StoredFile | None] = relationship()
    evidence: Mapped[list[CriterionEvidence]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="application", order_by="StatusChange.id", cascade="all, delete-orphan"
    )
    reveals: Mapped[list[IdentityReveal]] = relationship(
        order_by="IdentityReveal.id", cascade="all, delete-orphan"
    )

    @property
    def reference(self) -> str:
        """Reference quoted to the candidate and in emails."""
        return f"APP-{self.id:06d}"

    def evidence_for(self, criterion_id: int) -> str:
        """The evidence text given against one criterion, or an empty string."""
        for item in self.evidence:
            if item.criterion_id == criterion_id:
                return item.text
        return ""


class CriterionEvidence(Base):
    """A candidate's evidence against one criterion."""

    __tablename__ = "criterion_evidence"
    __table_args__ = (UniqueConstraint("application_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="evidence")
    criterion: Mapped[Criterion] = relationship()


class StatusChange(Base):
    """One move of an application between statuses: who, when, from and to."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ApplicationStatus | None] = mapped_column(_enum(ApplicationStatus))
    to_status: Mapped[ApplicationStatus] = mapped_column(_enum(ApplicationStatus))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")

    application: Mapped[Application] = relationship(back_populates="history")
    changed_by: Mapped[User | None] = relationship()
