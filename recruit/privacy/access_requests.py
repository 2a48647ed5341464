"""Subject access requests: record, claim, build, finish, expire, and audit every download.

Nothing here commits: the view, command or task that calls it owns the transaction. A request
row in `queued` is its own outbox (`recruit.outbox.dispatch.TASK_FOR_NEW_ROW`): it is handed to
the worker after the commit that wrote it, and the task's sweep hands over any the broker lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from flask import current_app
from sqlalchemy import or_, select, update

from recruit.extensions import db
from recruit.models import User, db_now, utcnow
from recruit.models.privacy import (
    AccessChannel,
    AccessPackDownload,
    AccessRequest,
    AccessRequestStatus,
)
from recruit.notifications import catalog
from recruit.privacy.pack_file import write_pack
from recruit.services.audit import record

S = AccessRequestStatus
# A build untouched this long belonged to a worker that died (the task's hard limit is less).
STALE_AFTER: Final = timedelta(minutes=16)
# A queued request the broker has not delivered after this long is handed over again.
SWEEP_GRACE: Final = timedelta(minutes=2)
MAX_ATTEMPTS: Final = 3
# A pack made this recently answers another online request from the same person.
REUSE_READY: Final = timedelta(hours=1)
OPEN: Final = frozenset({S.QUEUED, S.BUILDING, S.FAILED})


def pack_dir() -> Path:
    """Where built packs live: a folder of the export directory, outside any served folder."""
    folder = Path(current_app.config["EXPORT_DIR"]) / "access-packs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pack_path(request: AccessRequest) -> Path:
    """One file per request, so a rebuild after a crash replaces it."""
    return pack_dir() / f"access-pack-{request.id}.zip"


def download_name(request: AccessRequest) -> str:
    """The name the browser saves the pack under."""
    stamp = (request.ready_at or utcnow()).strftime("%Y-%m-%d")
    return f"my-data-midlands-engine-recruitment-{stamp}.zip"


def due_days() -> int:
    """How long we have to answer a request: one month (ACCESS_REQUEST_DUE_DAYS)."""
    return int(current_app.config["ACCESS_REQUEST_DUE_DAYS"])


def open_request(user: User) -> AccessRequest | None:
    """The person's request still being answered, or one answered within the hour, if any.

    A second click, or a burst of them, reuses it rather than building pack after pack. The
    person's row is locked first (PostgreSQL), so two requests at once cannot both miss it.
    """
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    recent = (AccessRequest.status == S.READY) & (AccessRequest.created_at > utcnow() - REUSE_READY)
    return db.session.scalar(
        select(AccessRequest)
        .where(
            AccessRequest.user_id == user.id,
            AccessRequest.status.in_([S.QUEUED, S.BUILDING]) | recent,
        )
        .order_by(AccessRequest.id.desc())
    )


def request_pack(
    user: User,
    requested_by: User,
    channel: AccessChannel = AccessChannel.ONLINE,
    received_at: datetime | None = None,
) -> AccessRequest:
    """Record a request; the after-commit relay hands it to a worker. Audited."""
    received = received_at or utcnow()
    found = AccessRequest(
        user_id=user.id,
        requested_by_id=requested_by.id,
        channel=channel,
        received_at=received,
        due_at=received + timedelta(days=due_days()),
        status=S.QUEUED,
    )
    db.session.add(found)
    db.session.flush()
    record(
        "access_request_received",
        requested_by,
        subject_user_id=user.id,
        detail=f"request {found.id} by {channel.value}",
    )
    return found


def claim(request_id: int) -> AccessRequest | None:
    """Take the request for this worker, or None if another has it or it is finished."""
    result = db.session.execute(
        update(AccessRequest)
        .where(
            AccessRequest.id == request_id,
            or_(
                AccessRequest.status == S.QUEUED,
                (AccessRequest.status == S.BUILDING)
                & (AccessRequest.claimed_at < utcnow() - STALE_AFTER),
            ),
        )
        .values(status=S.BUILDING, claimed_at=db_now(), attempts=AccessRequest.attempts + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(AccessRequest, request_id, populate_existing=True)


def build(request: AccessRequest) -> Path:
    """Write the request's pack to disk (atomically) and return where it is."""
    user = db.session.get(User, request.user_id)
    assert user is not None
    return write_pack(user, pack_path(request))


def finish(request: AccessRequest, path: Path) -> None:
    """Mark the pack ready for ACCESS_PACK_DAYS and email its owner that it is."""
    owner = db.session.get(User, request.user_id)
    assert owner is not None
    if owner.erased_at is not None:
        # The account was erased while the pack was being built: keep no copy of it.
        path.unlink(missing_ok=True)
        request.status, request.file_name, request.ready_at = S.EXPIRED, None, utcnow()
        return
    days = int(current_app.config["ACCESS_PACK_DAYS"])
    request.status = S.READY
    request.file_name = path.name
    request.size_bytes = path.stat().st_size
    request.ready_at = utcnow()
    request.expires_at = request.ready_at + timedelta(days=days)
    request.error = None
    record("access_pack_ready", None, subject_user_id=owner.id, detail=f"request {request.id}")
    catalog.access_pack_ready(request, owner, days)


def fail(request: AccessRequest, error: str) -> None:
    """Record why the build failed: the admin page shows it, and the request stays overdue."""
    request.status = S.FAILED
    request.error = error[:2000]


def due_for_sweep() -> list[int]:
    """Queued requests never picked up, and builds whose worker died."""
    now = utcnow()
    query = select(AccessRequest.id).where(
        or_(
            (AccessRequest.status == S.QUEUED) & (AccessRequest.created_at < now - SWEEP_GRACE),
            (AccessRequest.status == S.BUILDING) & (AccessRequest.claimed_at < now - STALE_AFTER),
        )
    )
    return list(db.session.scalars(query.order_by(AccessRequest.id)))


def is_expired(request: AccessRequest, now: datetime | None = None) -> bool:
    """Whether the pack's download period is over (whether or not the file is gone yet)."""
    if request.status is S.EXPIRED:
        return True
    return request.expires_at is not None and request.expires_at <= (now or utcnow())


def expire(request: AccessRequest) -> None:
    """Delete an expired pack's file and mark the request expired (it stays answered)."""
    if request.file_name:
        (pack_dir() / request.file_name).unlink(missing_ok=True)
    request.status = S.EXPIRED
    request.file_name = None


def expire_due(now: datetime | None = None) -> int:
    """Expire every ready pack past its date; return how many."""
    found = db.session.scalars(
        select(AccessRequest).where(
            AccessRequest.status == S.READY, AccessRequest.expires_at <= (now or utcnow())
        )
    ).all()
    for request in found:
        expire(request)
    return len(found)


def record_download(request: AccessRequest, user: User, client: str) -> None:
    """Audit one download of a pack, in its own table and in the audit trail."""
    db.session.add(
        AccessPackDownload(request_id=request.id, user_id=user.id, client_address=client[:64])
    )
    record(
        "access_pack_downloaded",
        user,
        subject_user_id=request.user_id,
        detail=f"request {request.id}",
    )


def for_user(user: User) -> list[AccessRequest]:
    """The person's requests, newest first."""
    return list(
        db.session.scalars(
            select(AccessRequest)
            .where(AccessRequest.user_id == user.id)
            .order_by(AccessRequest.id.desc())
        )
    )


def overdue(now: datetime | None = None) -> list[AccessRequest]:
    """Requests past their due date with no pack built yet, oldest due first."""
    return list(
        db.session.scalars(
            select(AccessRequest)
            .where(
                AccessRequest.ready_at.is_(None),
                AccessRequest.status.in_(sorted(OPEN)),
                AccessRequest.due_at < (now or utcnow()),
            )
            .order_by(AccessRequest.due_at, AccessRequest.id)
        )
    )


def recent(limit: int = 50) -> list[tuple[AccessRequest, User]]:
    """The latest requests with the person each is about, for the admin page."""
    rows = db.session.execute(
        select(AccessRequest, User)
        .join(User, User.id == AccessRequest.user_id)
        .order_by(AccessRequest.id.desc())
        .limit(limit)
    )
    return [(request, user) for request, user in rows]
