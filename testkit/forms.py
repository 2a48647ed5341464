"""Submitting forms the way a browser does: fetch the page, keep its CSRF token, post."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
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


class HeldBody(io.BytesIO):
    """A request body whose bytes arrive only once `before_first_read` has run (or returned)."""

    def __init__(self, data: bytes, before_first_read: Callable[[], object]) -> None:
        super().__init__(data)
        self._pending: Callable[[], object] | None = before_first_read

    def _arrive(self) -> None:
        if self._pending is not None:
            hook, self._pending = self._pending, None
            hook()

    def read(self, size: int | None = -1) -> bytes:
        """Wait for the bytes once, then read."""
        self._arrive()
        return super().read(size)

    def readinto(self, buffer: Any) -> int:
        """Wait for the bytes once, then read into `buffer`."""
        self._arrive()
        return super().readinto(buffer)

    def readline(self, size: int | None = -1) -> bytes:
        """Wait for the bytes once, then read a line."""
        self._arrive()
        return super().readline(size)
