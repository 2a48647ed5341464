"""Signing webhook bodies as Stripe does: `Recruit-Signature: t=<unix>,v1=<hex HMAC-SHA256>`.

The HMAC's key is the endpoint's secret and its message is `f"{t}.{body}"`. `verify` is the
receiver's side, the same code docs/webhooks.md shows integrators.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER = "Recruit-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a label, not a secret
DEFAULT_TOLERANCE = 300  # seconds a receiver accepts between the signed time and its clock


class SignatureError(ValueError):
    """The header is missing, malformed, too old, or no signature in it matches."""


def new_secret() -> str:
    """A new signing secret: `whsec_` and 32 random bytes, URL-safe base64."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `f"{timestamp}.{body}"` under `secret`."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header_value(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The `Recruit-Signature` header for `body`, signed now (or at `timestamp`)."""
    at = int(time.time()) if timestamp is None else timestamp
    return f"t={at},v1={compute(secret, at, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> int:
    """Check a `Recruit-Signature` header against the raw body; return its timestamp.

    Raises SignatureError unless one `v1` signature matches (compared in constant time) and the
    timestamp is within `tolerance` seconds of `now`.
    """
    timestamp, signatures = _parse(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    expected = compute(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("no signature matches")
    return timestamp


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("malformed signature header")
    return timestamp, signatures
