"""The keyed pseudonym that links an application to its monitoring answers, and nothing else.

HMAC-SHA256 under MONITORING_KEY: without the key, a pseudonym cannot be turned back into an
application id, nor computed from one. Only `recruit.monitoring` (and the subject access pack,
which fetches a person's own answers) may import this module
(`tests/test_monitoring_reports.py::test_only_monitoring_and_the_subject_access_pack_compute_the_pseudonym`).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def _key() -> bytes:
    key = current_app.config.get("MONITORING_KEY")
    if not key:
        raise RuntimeError("MONITORING_KEY is not set")
    return str(key).encode("utf-8")


def pseudonym(application_id: int) -> str:
    """The application's pseudonym: HMAC-SHA256(MONITORING_KEY, "application:<id>"), hex."""
    message = f"application:{int(application_id)}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def pseudonyms(application_ids: list[int]) -> dict[str, int]:
    """Pseudonym to application id, for a report's applications (never stored)."""
    return {pseudonym(i): i for i in application_ids}
