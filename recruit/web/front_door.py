"""Kept public pages answered at the WSGI door, before Flask, for visitors without a cookie.

The public vacancy list is the page a crowd opens (a job alert goes out, a campaign is about to
close). recruit.web.page_cache keeps it per process; this middleware answers a GET or HEAD for a
kept page straight from that cache, without building a Flask request, when the request carries
no Cookie and no Authorization header. Such a visitor has no session and no login, so Flask
would give them this very page. Every other request, and every page not kept, goes on to Flask.

The answer is the one Flask gives for the same entry (tests/test_front_door.py compares them):
the same body, ETag and 304 for a matching If-None-Match, `Vary: Cookie`, `Cache-Control:
no-cache`, and the security headers of recruit.web.hooks with the entry's own CSP nonce and a
request id. It sits inside ProxyFix, so HSTS follows the scheme a trusted proxy reports. Whether
an entry is in date is the cache's own rule (its shared version, the next closing time, its
maximum age); without Redis nothing is kept, so everything goes on to Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from werkzeug.http import parse_etags, quote_etag, remove_entity_headers

from recruit.web.hooks import request_id, security_headers
from recruit.web.page_cache import ANONYMOUS_CACHE_CONTROL, Entry, PageCache, address_key

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# What marks a request as someone's: a session or login cookie, or API credentials.
_SOMEONES: Final = ("HTTP_COOKIE", "HTTP_AUTHORIZATION")


class FrontDoor:
    """WSGI middleware: kept anonymous pages from the page cache, everything else to `app`."""

    def __init__(self, app: WSGIApplication, cache: PageCache) -> None:
        self._app = app
        self._cache = cache

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer from the cache if the page is kept and in date, else pass the request on."""
        entry = self._kept(environ)
        if entry is None:
            return self._app(environ, start_response)
        return answer(entry, environ, start_response)

    def _kept(self, environ: WSGIEnvironment) -> Entry | None:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        if any(name in environ for name in _SOMEONES):
            return None
        key = address_key(environ)
        # Checked before the version, which may ask Redis: most paths are never kept.
        if not self._cache.holds(key):
            return None
        version = self._cache.version()
        return None if version is None else self._cache.get(key, version)


def answer(entry: Entry, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
    """Send `entry` as Flask would: 304 when the client's copy matches, the page otherwise."""
    fresh = parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains(entry.etag)
    secure = environ.get("wsgi.url_scheme") == "https"
    given_id = str(environ.get("HTTP_X_REQUEST_ID", ""))
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(entry.body))),
        ("ETag", quote_etag(entry.etag)),
        ("Vary", "Cookie"),
        *security_headers(entry.nonce, request_id(given_id), secure).items(),
        ("Cache-Control", ANONYMOUS_CACHE_CONTROL),
    ]
    if fresh:
        remove_entity_headers(headers)
    start_response("304 NOT MODIFIED" if fresh else "200 OK", headers)
    return [] if fresh or environ.get("REQUEST_METHOD") == "HEAD" else [entry.body]
