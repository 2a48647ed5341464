"""Webhook signatures: Stripe's scheme, our verifier, and the snippet docs/webhooks.md gives."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from recruit.webhooks import signing
from recruit.webhooks.sending import next_try

ROOT = Path(__file__).resolve().parents[1]
BODY = b'{"data":{"application":{"id":7}},"id":3,"type":"application.submitted"}'
SECRET = "whsec_test-secret"


def doc_snippet() -> Callable[..., int]:
    """The Python block of docs/webhooks.md, run as an integrator would paste it."""
    text = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1, "docs/webhooks.md should show one Python snippet"
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], "docs/webhooks.md", "exec"), namespace)  # noqa: S102 - our own doc
    verify: Callable[..., int] = namespace["verify_recruit_signature"]
    return verify


def test_the_header_is_t_and_v1_hmac_sha256_of_timestamp_dot_body() -> None:
    header = signing.header_value(SECRET, BODY, timestamp=1_796_206_500)
    expected = hmac.new(SECRET.encode(), b"1796206500." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1796206500,v1={expected}"


def test_new_secrets_are_random_and_prefixed() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and len(first) > 40 and first != second


@pytest.mark.parametrize("verify", [signing.verify, doc_snippet()], ids=["ours", "docs"])
def test_a_fresh_signature_verifies(verify: Callable[..., int]) -> None:
    header = signing.header_value(SECRET, BODY)
    assert verify(SECRET, header, BODY) == int(header.split(",")[0][2:])


@pytest.mark.parametrize("verify", [signing.verify, doc_snippet()], ids=["ours", "docs"])
@pytest.mark.parametrize(
    "case",
    ["other-secret", "changed-body", "too-old", "future", "no-v1", "no-t", "garbage", "empty"],
)
def test_a_wrong_or_stale_signature_is_refused(verify: Callable[..., int], case: str) -> None:
    import time

    now = int(time.time())
    header = signing.header_value(SECRET, BODY, now)
    secret, body = SECRET, BODY
    if case == "other-secret":
        secret = "whsec_other"
    elif case == "changed-body":
        body = BODY.replace(b"7", b"8")
    elif case == "too-old":
        header = signing.header_value(SECRET, BODY, now - 301)
    elif case == "future":
        header = signing.header_value(SECRET, BODY, now + 301)
    elif case == "no-v1":
        header = f"t={now}"
    elif case == "no-t":
        header = header.split(",", 1)[1]
    elif case == "garbage":
        header = "t=abc,v1=zz"
    else:
        header = ""
    with pytest.raises(ValueError):
        verify(secret, header, body)


def test_any_matching_v1_of_several_is_enough() -> None:
    header = signing.header_value(SECRET, BODY)
    t_part, v1 = header.split(",")
    both = f"{t_part},v1={'0' * 64},{v1}"
    assert signing.verify(SECRET, both, BODY) and doc_snippet()(SECRET, both, BODY)


def test_the_comparison_is_constant_time() -> None:
    """Both verifiers compare with hmac.compare_digest, never ==."""
    source = (ROOT / "recruit" / "webhooks" / "signing.py").read_text(encoding="utf-8")
    doc = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    assert "hmac.compare_digest" in source and "hmac.compare_digest" in doc


def test_the_documented_retry_schedule() -> None:
    """1 min doubling, at most 6 h apart, until the next try would pass a day: 12 attempts,
    the last about 20.5 hours after the event (docs/webhooks.md)."""
    config = {
        "WEBHOOK_RETRY_BASE_SECONDS": 60.0,
        "WEBHOOK_RETRY_MAX_DELAY_SECONDS": 21600.0,
        "WEBHOOK_RETRY_WINDOW_SECONDS": 86400.0,
    }
    queued = datetime(2026, 12, 2, tzinfo=UTC)
    offsets, at, attempts = [0.0], queued, 1
    while (following := next_try(attempts, queued, at, config)) is not None:
        at = following
        offsets.append((at - queued).total_seconds())
        attempts += 1
    assert len(offsets) == 12
    assert [o / 60 for o in offsets[:4]] == [0, 1, 3, 7]
    assert 20 * 3600 < offsets[-1] < 21 * 3600
