"""Subject access requests (UK GDPR Art. 15), their packs, and the record of every download."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recruit.models.base import Base, UTCDateTime, text_enum, utcnow


class AccessRequestStatus(enum.StrEnum):
    """Life of a subject access request's pack; `queued` rows are this job's outbox."""

    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"


class AccessChannel(enum.StrEnum):
    """How the request reached us: the account page, or a letter or email an admin logged."""

    ONLINE = "online"
    POST = "post"
    EMAIL = "email"


class AccessRequest(Base):
    """One request for a copy of everything held about a person, answered by a built pack."""

    __tablename__ = "access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The person themselves (online), or the admin who logged a postal or emailed request.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[AccessChannel] = mapped_column(text_enum(AccessChannel))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # One month from receipt (ACCESS_REQUEST_DUE_DAYS); overdue until a pack is ready.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[AccessRequestStatus] = mapped_column(
        text_enum(AccessRequestStatus), default=AccessRequestStatus.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The pack's name under EXPORT_DIR/access-packs, and its size; None until built.
    file_name: Mapped[str | None] = mapped_column(String(200))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    error: Mapped[str | None] = mapped_column(Text)


class AccessPackDownload(Base):
    """Who downloaded a pack, when and from where: every download of a pack is audited."""

    __tablename__ = "access_pack_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("access_requests.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_address: Mapped[str] = mapped_column(String(64), default="")
    downloaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
