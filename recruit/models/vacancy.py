"""Vacancies (campaigns), their criteria and tags."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recruit.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from recruit.models.user import User


class VacancyStatus(enum.StrEnum):
    """Where a campaign is in its life."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class CriterionKind(enum.StrEnum):
    """Essential criteria must all be met; desirable ones separate strong candidates."""

    ESSENTIAL = "essential"
    DESIRABLE = "desirable"


def _enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class Vacancy(Base):
    """An executive role with a hard closing time."""

    __tablename__ = "vacancies"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(600))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(200))
    salary_band: Mapped[str] = mapped_column(String(100))
    contract_type: Mapped[str] = mapped_column(String(20))
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[VacancyStatus] = mapped_column(_enum(VacancyStatus), default=VacancyStatus.DRAFT)
    statement_word_limit: Mapped[int] = mapped_column(Integer, default=1000)
    anonymised_sift: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Unsuccessful candidates' data is purged this many months after closing, unless on hold.
    retention_months: Mapped[int] = mapped_column(Integer, default=6, server_default="6")
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    legal_hold_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="vacancy",
        # Essential before desirable (not alphabetical), then as advertised.
        order_by=(
            "(case((Criterion.kind == 'essential', 0), else_=1), Criterion.position, Criterion.id)"
        ),
        cascade="all, delete-orphan",
    )
    theme_tags: Mapped[list[VacancyTheme]] = relationship(cascade="all, delete-orphan")
    sector_tags: Mapped[list[VacancySector]] = relationship(cascade="all, delete-orphan")
    recruiters: Mapped[list[User]] = relationship(secondary="vacancy_recruiters")

    @property
    def applications_closed_at(self) -> datetime:
        """When applications stopped: the closing time, or the moment it was closed before it."""
        # The scheduled job records closed_at a little after the closing time; "Close vacancy
        # now" records it before. Either way the earlier of the two is when applications ended.
        if self.closed_at is not None and self.closed_at < self.closes_at:
            return self.closed_at
        return self.closes_at

    @property
    def closed_early(self) -> bool:
        """Whether a recruiter closed the vacancy before its advertised closing time."""
        return self.applications_closed_at != self.closes_at

    @property
    def themes(self) -> list[str]:
        """Theme slugs."""
        return [t.theme for t in self.theme_tags]

    @property
    def sectors(self) -> list[str]:
        """Sector and cluster slugs."""
        return [s.sector for s in self.sector_tags]

    @property
    def essential_criteria(self) -> list[Criterion]:
        """Criteria every appointable candidate must meet."""
        return [c for c in self.criteria if c.kind is CriterionKind.ESSENTIAL]

    @property
    def desirable_criteria(self) -> list[Criterion]:
        """Criteria that strengthen an application."""
        return [c for c in self.criteria if c.kind is CriterionKind.DESIRABLE]


class Criterion(Base):
    """One advertised criterion that candidates give evidence against."""

    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CriterionKind] = mapped_column(_enum(CriterionKind))
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(500))

    vacancy: Mapped[Vacancy] = relationship(back_populates="criteria")


class VacancyTheme(Base):
    """A vacancy's Midlands Engine theme."""

    __tablename__ = "vacancy_themes"

    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class VacancySector(Base):
    """A vacancy's sector or cluster."""

    __tablename__ = "vacancy_sectors"

    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), primary_key=True
    )
    sector: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class VacancyRecruiter(Base):
    """A recruiter who runs a vacancy and is told about its applications."""

    __tablename__ = "vacancy_recruiters"

    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
