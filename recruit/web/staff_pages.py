"""Staff list pages kept per signed-in session, until anything they show may have changed.

A recruiter's list of applications costs a grouped count over the whole vacancy and a page of
score aggregates; asked for again with nothing changed, it is served from this process's copy.
The rules that keep that safe:

- **One session's pages only.** The key starts with the session's id (hashed) and the user's
  id and role, then the full path and query: another user, or the same user in another browser,
  never gets the page (its form token is this session's).
- **Authorisation first, every time.** The view checks the team and writes any audit entry
  before asking for the page; only the rendering is skipped.
- **Any write that could change it ends it.** A version token in Redis is replaced after every
  commit that wrote anything outside `UNRELATED_TABLES` (sessions, audit, outbox, webhooks and
  the like: tables no staff list shows), by any process: views, CLI and worker tasks alike. It is
  read on every request (`check_seconds` 0), so a change shows on the very next page.
- **Never a message or an error.** A session holding a flashed message is served fresh (the
  message shows once); only a 200 is kept.
- **A fresh nonce.** The page's CSP nonce is swapped for this response's own.
- **A bounded life:** `STAFF_PAGE_MAX_AGE_SECONDS`, should a version change ever be lost (Redis
  down at that commit); without Redis nothing is kept.

Headers stay as for every signed-in page: `Cache-Control: no-store`, no ETag.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Final

from flask import Flask, g, request, session
from flask_login import current_user

from recruit.web.page_cache import PageCache, Rendered, cached_or_rendered, page_cache
from recruit.web.write_watch import Watch, add_watch

# Tables no staff list of applications shows: writes to them leave the cached pages in date.
# Anything else (a new table too) ends them, so a table missing here costs speed, never truth.
# tests/test_staff_page_cache.py checks that each name is one of our tables.
UNRELATED_TABLES: Final = frozenset(
    {
        "access_pack_downloads",
        "access_requests",
        "account_tokens",
        "api_idempotency_keys",
        "api_tokens",
        "audit_events",
        "export_downloads",
        "export_jobs",
        "job_alert_vacancies",
        "job_alerts",
        "monitoring_report_jobs",
        "monitoring_responses",
        "monitoring_tallies",
        "outbox",
        "purge_receipts",
        "stored_files",
        "web_sessions",
        "webhook_attempts",
        "webhook_deliveries",
        "webhook_endpoints",
        "webhook_events",
        "webhook_subscriptions",
        "worker_heartbeats",
    }
)
STAFF: Final = Watch("recruit.staff_page_cache", lambda table: table not in UNRELATED_TABLES)
_FLASHES: Final = "_flashes"  # where Flask keeps flashed messages in the session


def init_app(app: Flask) -> None:
    """Create this app's cache of staff pages; every commit outside UNRELATED_TABLES ends it."""
    app.extensions[STAFF.extension] = PageCache(
        app.config.get("REDIS_URL"),
        f"{app.config['PAGE_CACHE_PREFIX']}staff",
        check_seconds=0.0,
        max_age=float(app.config["STAFF_PAGE_MAX_AGE_SECONDS"]),
    )
    add_watch(STAFF)


def staff_cache(app: Flask | None = None) -> PageCache:
    """The cache of staff pages of `app` (default: the current app)."""
    return page_cache(app, STAFF)


def _session_key() -> str:
    sid = getattr(session, "sid", None) or ""
    return hashlib.sha256(sid.encode()).hexdigest() if sid else ""


def serve(render: Callable[[], Rendered]) -> str | tuple[str, int]:
    """This session's copy of the page at this path and query when in date, else rendered.

    Call after the view's authorisation. Pages are kept only for a signed-in user whose session
    has an id and holds no flashed message.
    """
    owner, cache = _session_key(), staff_cache()
    if not (owner and current_user.is_authenticated and g.get("csp_nonce")) or cache.max_age <= 0:
        return render().answer()
    if session.get(_FLASHES) or request.method != "GET":
        return render().answer()
    key = (owner, str(current_user.id), str(current_user.role), request.full_path)
    found = cached_or_rendered(cache, key, render)
    if isinstance(found, str | tuple):
        return found
    # The page as rendered carries its own request's nonce; this response gets a new one.
    return found.body.decode().replace(found.nonce, g.csp_nonce)
