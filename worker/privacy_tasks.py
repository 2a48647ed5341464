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
from worker.builds import Build, run

log = get_task_logger(__name__)


PACK = Build(
    "access request",
    log,
    access_requests.claim,
    access_requests.build,
    access_requests.finish,
    access_requests.fail,
    max_attempts=access_requests.MAX_ATTEMPTS,
)


@shared_task(name=ACCESS_PACK_BUILD_TASK, bind=True, acks_late=True)  # type: ignore[untyped-decorator]
def build_access_pack(self: Any, request_id: int | None = None) -> str:
    """Build one request's pack and email its owner; with no id (beat), sweep instead."""
    if request_id is None:
        return sweep()
    outcome, request = run(PACK, request_id)
    if request is not None:
        log.info("access pack %s ready: %s bytes", request_id, request.size_bytes)
    return outcome


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
