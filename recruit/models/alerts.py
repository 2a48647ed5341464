"""Job alerts: a candidate's saved vacancy search, and the vacancies already emailed for it."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from recruit.models.base import Base, UTCDateTime, utcnow


class JobAlert(Base):
    """A saved search (theme, sector, keywords) emailed daily with the vacancies new to it."""

    __tablename__ = "job_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    theme: Mapped[str] = mapped_column(String(40), default="", server_default="")
    sector: Mapped[str] = mapped_column(String(60), default="", server_default="")
    keywords: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Vacancies published after this moment are new to the alert; each run moves it on.
    checked_until: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Random, and in the signed unsubscribe link: the link works for this alert and no other.
    unsubscribe_key: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))


class JobAlertVacancy(Base):
    """A vacancy an alert has emailed: never the same one twice to the same alert."""

    __tablename__ = "job_alert_vacancies"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("job_alerts.id", ondelete="CASCADE"), primary_key=True
    )
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancies.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
