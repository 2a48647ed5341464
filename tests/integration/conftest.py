"""Fixtures for tests that run a real worker: Redis queue and SMTP server, or the embedded default.

Every test in this folder runs its `app` against its own Redis queue and an aiosmtpd server,
unless it asks for `mode="embedded"` (filesystem broker and .eml folder, no servers).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.smtp import SMTPServer, smtp_server
from tests.support.worker import redis_settings


@pytest.fixture
def mode(request: pytest.FixtureRequest) -> str:
    """`servers` (Redis and SMTP, the default) or `embedded` (no servers)."""
    return str(getattr(request, "param", "servers"))


@pytest.fixture
def smtp(mode: str, request: pytest.FixtureRequest) -> Iterator[SMTPServer | None]:
    """A real SMTP server, unless the test runs the embedded default."""
    if mode == "embedded":
        yield None
        return
    handler = getattr(request, "param", None)
    with smtp_server(handler() if handler else None) as server:
        yield server


@pytest.fixture
def app_config(
    app_config: dict[str, Any], mode: str, smtp: SMTPServer | None
) -> Iterator[dict[str, Any]]:
    """The conftest configuration pointed at this test's Redis queue and SMTP server."""
    if smtp is None:
        yield app_config
        return
    with redis_settings() as settings:
        yield {**app_config, **settings, "SMTP_URL": smtp.url}
