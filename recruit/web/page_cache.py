"""Public pages for anonymous visitors, rendered once per process and version, with ETags.

A page goes in the cache only for a visitor with no session at all (no login, no flash message,
no form token): the very page every such visitor gets. Signed-in pages, and anonymous ones with a
session, are rendered for each request and keep `Cache-Control: no-store`.

Validity has three parts, all checked on every request:
- a version token in Redis, replaced after any commit that wrote a vacancy or its tags
  (recruit.web.write_watch, so every path counts: views, the CLI and worker tasks). The writing
  process drops its pages at once; the others read the token at most every PAGE_CACHE_CHECK_SECONDS
  (0.25 s by default, 0 for every request), as a Redis round trip per request would cost more
  than serving the page itself;
- the next closing time among the open vacancies, read by the database clock as the page was
  rendered: once it passes the list has changed, with no write at all;
- MAX_AGE_SECONDS, a backstop should a version change ever be lost (Redis down at that commit).

Without Redis, or while Redis fails, nothing is cached: the page is rendered as before. A cached
page keeps the CSP nonce it was rendered with, so the header always matches the body, also for a
browser revalidating its copy (a 304 carries the same nonce as the page it confirms).

The same machinery, with a version of its own, keeps staff pages per signed-in session
(`recruit.web.staff_pages`): a `Watch` says which tables' writes date each cache's pages.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import redis
from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user

from recruit.models import Vacancy, VacancySector, VacancyTheme
from recruit.web.write_watch import Watch, add_watch

log = logging.getLogger(__name__)

MAX_ENTRIES: Final = 256  # per process: a flood of distinct query strings evicts, never grows
# Entries filed under a request's raw address (recruit.web.front_door) are kept apart, MAX_ENTRIES
# of them: a flood of new query strings (a tracking id per recipient) evicts only other
# addresses, never the pages the views keep.
ADDRESS: Final = "address"
MAX_AGE_SECONDS: Final = 300.0
# After Redis fails, this process renders without it for a while rather than wait on each request.
PAUSE_SECONDS: Final = 5.0
# A version read or bump sits on the request path: a Redis that has not answered in this long is
# treated as away (it answers in well under a millisecond), so a frozen one costs each process
# this much once per PAUSE_SECONDS, not half a second.
REDIS_TIMEOUT_SECONDS: Final = 0.1
# Browsers and shared caches may keep the page but must ask us first every time (ETag).
ANONYMOUS_CACHE_CONTROL: Final = "no-cache"


VACANCY_TABLES: Final = frozenset(m.__tablename__ for m in (Vacancy, VacancyTheme, VacancySector))
VACANCIES: Final = Watch("recruit.page_cache", lambda table: table in VACANCY_TABLES)


@dataclass(frozen=True)
class Entry:
    """A rendered page and what it is valid for."""

    version: str
    body: bytes
    etag: str
    nonce: str
    expires: float  # time.monotonic()


@dataclass(frozen=True)
class Rendered:
    """A page as the view rendered it, and when it goes out of date by the clock."""

    html: str
    status: int
    # time.monotonic() at the next closing time, read before the page's data; None: none ahead.
    expires: float | None = None

    def answer(self) -> str | tuple[str, int]:
        """The page as a view returns it, uncached."""
        return self.html if self.status == 200 else (self.html, self.status)


class PageCache:
    """This process's rendered pages, keyed by page and query, under a shared version."""

    def __init__(
        self,
        redis_url: str | None,
        key: str,
        check_seconds: float,
        max_age: float = MAX_AGE_SECONDS,
    ) -> None:
        self._redis = (
            redis.Redis.from_url(
                redis_url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            if redis_url
            else None
        )
        self._key = key
        self._check_seconds = check_seconds
        self.max_age = max_age
        self._entries: OrderedDict[tuple[str, ...], Entry] = OrderedDict()
        self._addresses: OrderedDict[tuple[str, ...], Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._known: tuple[str, float] | None = None  # the version as last read, and when

    def version(self) -> str | None:
        """The current version token, or None when there is no Redis to agree on one.

        Read from Redis at most every `check_seconds`: a change made in another process shows
        here within that time, and this process's own changes at once (`bump`).
        """
        if self._redis is None or time.monotonic() < self._paused_until:
            return None
        known = self._known
        if known is not None and time.monotonic() - known[1] < self._check_seconds:
            return known[0]
        try:
            found = self._redis.get(self._key)
            if found is None:
                # A fresh Redis: a random token, never one an old entry could carry.
                self._redis.set(self._key, secrets.token_hex(16), nx=True)
                found = self._redis.get(self._key)
        except redis.RedisError as exc:
            self._pause(exc)
            return None
        if not isinstance(found, bytes):
            return None
        self._known = (found.decode(), time.monotonic())
        return self._known[0]

    def bump(self) -> None:
        """Give every process's cached pages a new version: they are out of date."""
        token = secrets.token_hex(16)
        # While Redis is failing, commits do not wait on it; other processes read no version
        # then either, so they keep nothing (and their copies end by age).
        if self._redis is not None and time.monotonic() >= self._paused_until:
            try:
                self._redis.set(self._key, token)
            except redis.RedisError as exc:
                # Other processes may serve their copies until MAX_AGE_SECONDS; say so loudly.
                log.error(
                    "change not shared with other processes (%s): %s", self._key, type(exc).__name__
                )
                self._pause(exc)
        # After the new token is out: a page rendered from before the change and put back
        # later carries the old version, so it is never served.
        with self._lock:
            self._entries.clear()
            self._addresses.clear()
            self._known = (token, time.monotonic())

    def holds(self, key: tuple[str, ...]) -> bool:
        """Whether an entry, in date or not, is kept under `key`."""
        return key in self._table(key)

    def get(self, key: tuple[str, ...], version: str) -> Entry | None:
        """The entry for `key` if it is of `version` and still in date."""
        with self._lock:
            table = self._table(key)
            entry = table.get(key)
            if entry is None:
                return None
            if entry.version != version or time.monotonic() >= entry.expires:
                del table[key]
                return None
            table.move_to_end(key)
            return entry

    def put(self, key: tuple[str, ...], entry: Entry) -> None:
        """Keep `entry`, dropping the least recently used beyond MAX_ENTRIES."""
        with self._lock:
            table = self._table(key)
            table[key] = entry
            table.move_to_end(key)
            while len(table) > MAX_ENTRIES:
                table.popitem(last=False)

    def entries(self) -> list[Entry]:
        """The pages this process holds, each once (for tests and diagnostics)."""
        with self._lock:
            held = [*self._entries.values(), *self._addresses.values()]
            return list({id(entry): entry for entry in held}.values())

    def _table(self, key: tuple[str, ...]) -> OrderedDict[tuple[str, ...], Entry]:
        return self._addresses if key[:1] == (ADDRESS,) else self._entries

    def _pause(self, exc: Exception) -> None:
        log.warning("page cache: Redis unavailable (%s); rendering uncached", type(exc).__name__)
        self._paused_until = time.monotonic() + PAUSE_SECONDS


def init_app(app: Flask) -> None:
    """Create this app's page cache and watch sessions for vacancy writes."""
    app.extensions[VACANCIES.extension] = PageCache(
        app.config.get("REDIS_URL"),
        f"{app.config['PAGE_CACHE_PREFIX']}vacancies",
        float(app.config["PAGE_CACHE_CHECK_SECONDS"]),
    )
    add_watch(VACANCIES)


def page_cache(app: Flask | None = None, watch: Watch = VACANCIES) -> PageCache:
    """The page cache of `app` (default: the current app) that `watch` dates."""
    cache: PageCache = (app or current_app).extensions[watch.extension]
    return cache


def anonymous_visitor() -> bool:
    """Whether the request carries no session at all and nobody is signed in."""
    return not session and not current_user.is_authenticated


def serve(key: tuple[str, ...], render: Callable[[], Rendered]) -> Response | str | tuple[str, int]:
    """The page for `key`: from the cache when in date, else rendered (and kept if a 200).

    Answers 304 to a matching If-None-Match. Call only for an anonymous visitor.
    """
    cache = page_cache()
    found = cached_or_rendered(cache, key, render)
    if isinstance(found, str | tuple):
        return found
    # Also under the address as asked, so the next such request is answered before Flask
    # (recruit.web.front_door); same entry, so the same version and expiry end both.
    cache.put(address_key(request.environ), found)
    return _response(found)


def address_key(environ: Mapping[str, Any]) -> tuple[str, ...]:
    """The cache key of a request's raw path and query string, as the WSGI server gave them."""
    return (ADDRESS, str(environ.get("PATH_INFO", "")), str(environ.get("QUERY_STRING", "")))


def cached_or_rendered(
    cache: PageCache, key: tuple[str, ...], render: Callable[[], Rendered]
) -> Entry | str | tuple[str, int]:
    """`key`'s entry in `cache` if in date, else the page rendered: kept (as an entry) when a
    200 and the cache has a version, answered as is otherwise."""
    version = cache.version()
    if version is None:
        return render().answer()
    entry = cache.get(key, version)
    if entry is None:
        page = render()
        if page.status != 200:
            return page.answer()
        entry = _entry(version, page, cache.max_age)
        cache.put(key, entry)
    return entry


def _entry(version: str, page: Rendered, max_age: float) -> Entry:
    body = page.html.encode()
    expires = time.monotonic() + max_age
    if page.expires is not None:
        expires = min(expires, page.expires)
    return Entry(
        version=version,
        body=body,
        etag=hashlib.sha256(body).hexdigest()[:32],
        # The nonce this request's CSP header carries, as rendered into the body.
        nonce=str(g.get("csp_nonce", "")),
        expires=expires,
    )


def _response(entry: Entry) -> Response:
    # Parsed only when sent: most requests carry no If-None-Match.
    fresh = "If-None-Match" in request.headers and request.if_none_match.contains(entry.etag)
    response = current_app.response_class(
        b"" if fresh else entry.body, status=304 if fresh else 200, mimetype="text/html"
    )
    response.set_etag(entry.etag)
    # A request with a session cookie gets another page (its own): no cache may mix the two.
    response.vary.add("Cookie")
    # recruit.web.hooks puts these in the headers: the nonce matches the cached body.
    g.csp_nonce = entry.nonce
    g.cache_control = ANONYMOUS_CACHE_CONTROL
    return response
