"""Subject access task: build a requested pack; without an id, sweep missed builds and expiries."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.utils.log import get_task_logger

from recruit.extensions import db
from recruit.outbox.republish import republish
from recruit.privacy import access_requests
from recruit.privacy.erasure import forget_sent_emails
from recruit.tasknames import ACCESS_PACK_BUILD_TASK

log = get_task_logger(__name__)


@shared_task(name=ACCESS_PACK_BUILD_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def build_access_pack(self: Any, request_id: int | None = None) -> str:
    """Build one request's pack and email its owner; with no id (beat), sweep instead."""
    if request_id is None:
        return sweep()
    request = access_requests.claim(request_id)
    if request is None:
        db.session.rollback()
        log.info("access request %s skipped: finished or being built elsewhere", request_id)
        return "skipped"
    db.session.commit()  # the claim is visible before the build starts
    if request.attempts > access_requests.MAX_ATTEMPTS:
        access_requests.fail(request, f"gave up after {access_requests.MAX_ATTEMPTS} attempts")
        db.session.commit()
        return "failed"
    try:
        path = access_requests.build(request)
    except Exception as exc:  # record any failure on the request so the admin page shows it
        db.session.rollback()
        log.exception("access pack %s failed", request_id)
        access_requests.fail(request, f"{exc.__class__.__name__}: {exc}")
        db.session.commit()
        return "failed"
    # End the long read before writing: SQLite cannot upgrade a stale WAL snapshot to a write.
    db.session.commit()
    access_requests.finish(request, path)
    db.session.commit()
    log.info("access pack %s ready: %s bytes", request_id, request.size_bytes)
    return "ready"


def sweep() -> str:
    """Expire old packs, forget old and erased accounts' emails, republish lost builds."""
    expired = access_requests.expire_due()
    forgotten = forget_sent_emails()
    due = access_requests.due_for_sweep()
    db.session.commit()
    published = republish(ACCESS_PACK_BUILD_TASK, due)
    if expired or forgotten or published:
        log.info(
            "access packs: %s expired, %s addresses forgotten, %s republished",
            expired,
            forgotten,
            published,
        )
    return f"swept: {expired} expired, {forgotten} forgotten, {len(published)} republished"
