"""Submitting forms the way a browser does: fetch the page, keep its CSRF token, post."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    """The CSRF token embedded in a page."""
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def submit(
    client: FlaskClient,
    page_url: str,
    data: dict[str, Any] | None = None,
    *,
    action: str | None = None,
    follow_redirects: bool = False,
    **kwargs: Any,
) -> TestResponse:
    """GET `page_url`, then POST `data` with its CSRF token to `action` (default: the same URL)."""
    page = client.get(page_url)
    assert page.status_code < 400, f"GET {page_url} answered {page.status_code}"
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token_from(page.get_data(as_text=True))
    return client.post(
        action or page_url, data=payload, follow_redirects=follow_redirects, **kwargs
    )
