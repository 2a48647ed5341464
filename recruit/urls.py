"""Absolute links for emails, built the same way in the web tier and in workers."""

from __future__ import annotations

from typing import Any

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link built from the configured base URL, never from the request's Host.

    Works in workers too: the path comes from the URL map, with no request needed.
    """
    path = current_app.url_map.bind("recruit.invalid").build(endpoint, values)
    return str(current_app.config["BASE_URL"]).rstrip("/") + path
