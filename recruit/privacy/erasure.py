"""Erasing an account at its owner's request (UK GDPR Art. 17), leaving a non-identifying tombstone.

`erase_account` runs in the caller's transaction; the caller deletes the returned files from
disk after its commit. What happens, in order:

1. open applications are withdrawn (the pipeline's own rule and history), without the usual
   status email: the one confirmation email says so;
2. the confirmation email is queued to the address before it is forgotten;
3. every application except an appointed one is purged (`purge_applications`: drafts,
   statements, evidence, CVs, scores and notes go; anonymous counts stay, so the dashboard's
   numbers do not change);
4. the person's other uploaded files, emailed-link tokens, job alerts and sessions are deleted,
   their data packs' files removed, and the emails we sent them keep no address or content (the
   confirmation too, once `forget_sent_emails` sees it sent);
5. the account row becomes a tombstone: no name, no email, no usable password, disabled, with
   its session generation bumped so every session ends at once.

An appointed candidate's application (APPOINTED) is kept: it is the record of an appointment
(see `kept_records`). An offer not yet accepted is withdrawn and erased like any open one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from recruit.extensions import db
from recruit.models import (
    AccountToken,
    Application,
    ApplicationStatus,
    JobAlert,
    OutboxMessage,
    OutboxStatus,
    StoredFile,
    User,
    utcnow,
)
from recruit.models.privacy import AccessRequest, AccessRequestStatus
from recruit.models.session import WebSession
from recruit.notifications import catalog
from recruit.privacy.access_requests import pack_dir
from recruit.privacy.purge import purge_applications
from recruit.services import pipeline
from recruit.services.audit import record
from recruit.uploads import path_for

S = ApplicationStatus
KEPT: Final = frozenset({S.APPOINTED})
ERASED_NAME: Final = "Erased account"
ERASED_DOMAIN: Final = "erased.invalid"
# Not an argon2 hash: verification fails with InvalidHashError, so no password ever matches.
UNUSABLE_PASSWORD: Final = "!erased"  # noqa: S105 - a marker that matches no password
REASON: Final = "account erased"
ERASED_EMAIL: Final = "account_erased"


@dataclass
class ErasureResult:
    """What the erasure did: counts for the log and audit, files to delete after commit."""

    withdrawn: int = 0
    purged: int = 0
    kept: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def kept_records(application: Application) -> str:
    """In words, what is kept of an appointed candidate's application, why and for how long."""
    vacancy = application.vacancy
    return (
        f"Your application for {vacancy.title} ({application.reference}): your statement, "
        "evidence, CV, its scores and status history. It is the record of your appointment, "
        "which we need as your employer (UK GDPR Article 6(1)(b) and (c)). This service never "
        "deletes it automatically: it is kept until the Midlands Engine people team deletes "
        "it under its employment records schedule."
    )


def applications_of(user: User, *, lock: bool = False) -> list[Application]:
    """Every application the person has; `lock` so a recruiter's move cannot interleave."""
    query = select(Application).where(Application.candidate_id == user.id).order_by(Application.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(db.session.scalars(query))


def kept_for_hired(user: User) -> list[str]:
    """What erasing this account would keep (empty unless they were appointed)."""
    return [kept_records(a) for a in applications_of(user) if a.status in KEPT]


def erase_account(user: User) -> ErasureResult:
    """Withdraw, purge and forget: see the module's docstring. The caller commits."""
    applications = applications_of(user, lock=True)
    kept = [a for a in applications if a.status in KEPT]
    gone = [a for a in applications if a.status not in KEPT]
    result = ErasureResult(kept=[kept_records(a) for a in kept])
    for application in gone:
        if application.status in pipeline.WITHDRAWABLE and application.status is not S.DRAFT:
            pipeline.record_change(application, S.WITHDRAWN, user, "Account erased")
            result.withdrawn += 1
    db.session.flush()
    old_email = user.email
    confirmation = catalog.account_erased(user, result.kept)
    db.session.flush()
    purged = purge_applications(gone, reason=REASON)
    result.purged = purged.applications
    result.files.extend(purged.files)
    result.files.extend(_other_files(user, {a.cv_file_id for a in kept}))
    result.files.extend(_pack_files(user))
    _forget_emails(old_email, confirmation.id)
    _end_access(user)
    _tombstone(user)
    record(
        "account_erased",
        user,
        subject_user_id=user.id,
        detail=f"withdrawn {result.withdrawn}, purged {result.purged}, kept {len(kept)}",
    )
    return result


def _other_files(user: User, keep: set[int | None]) -> list[Path]:
    """Delete the person's uploads no kept application uses; return their paths."""
    query = select(StoredFile).where(StoredFile.owner_id == user.id)
    paths = []
    for stored in db.session.scalars(query):
        if stored.id in keep:
            continue
        paths.append(path_for(stored))
        db.session.delete(stored)
    return paths


def _pack_files(user: User) -> list[Path]:
    """Their data packs' files: the requests stay (when we answered), the copies go."""
    paths = []
    for request in db.session.scalars(
        select(AccessRequest).where(AccessRequest.user_id == user.id)
    ):
        if request.file_name:
            paths.append(pack_dir() / request.file_name)
        request.file_name = None
        if request.status is not AccessRequestStatus.READY:
            continue
        request.status = AccessRequestStatus.EXPIRED
    return paths


def _forget_emails(address: str, keep_id: int) -> None:
    """Emails to the address: unsent ones are dropped; sent ones keep no address or content."""
    to_them = func.lower(OutboxMessage.recipient) == address.lower()
    db.session.execute(
        delete(OutboxMessage).where(
            to_them,
            OutboxMessage.id != keep_id,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(OutboxMessage)
        .where(to_them, OutboxMessage.id != keep_id)
        .values(recipient="", payload={})
        .execution_options(synchronize_session=False)
    )


def forget_sent_emails(now: datetime | None = None) -> int:
    """Blank the address and content of finished emails that we no longer need; return how many.

    Run by the access-pack sweep every few minutes. An erased account's confirmation email is
    forgotten as soon as it is sent (or has failed for good): it is the only outbox row that
    still holds the address. Every other email is forgotten SENT_EMAIL_RETENTION_DAYS after it
    was sent, or, if it failed for good, after it was written. Pending emails are left alone.
    The row itself stays (template, status, times) for the outbox's own record.
    """
    days = int(current_app.config["SENT_EMAIL_RETENTION_DAYS"])
    cutoff = (now or utcnow()) - timedelta(days=days)
    finished = func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at)
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED]),
            or_(OutboxMessage.template == ERASED_EMAIL, finished <= cutoff),
            OutboxMessage.recipient != "",  # not forgotten already
        )
        .values(recipient="", payload={})
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _end_access(user: User) -> None:
    """Delete every stored session, emailed-link token and job alert of the person."""
    db.session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
    db.session.execute(delete(JobAlert).where(JobAlert.user_id == user.id))


def _tombstone(user: User) -> None:
    """Leave a row that counts but names nobody, and that no session or password can use."""
    user.email = f"erased-{secrets.token_hex(12)}@{ERASED_DOMAIN}"
    user.full_name = ERASED_NAME
    user.password_hash = UNUSABLE_PASSWORD
    user.is_disabled = True
    user.email_verified_at = None
    user.last_login_at = None
    user.session_generation += 1
    user.erased_at = utcnow()
