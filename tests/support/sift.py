"""Helpers shared by the board, sift and scoring tests."""

from __future__ import annotations

import re

HREF_RE = re.compile(r'href="([^"]+)"')


def hrefs(html: str) -> list[str]:
    """Every href on a page, with HTML entities for & undone."""
    return [h.replace("&amp;", "&") for h in HREF_RE.findall(html)]
