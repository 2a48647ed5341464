"""Emails the worker sent through the stack's SMTP server, and the links inside them."""

from __future__ import annotations

import re

from tests.support.smtp import Received, SMTPServer

LINK_RE = re.compile(r"https?://\S+")


def email_to(smtp: SMTPServer, address: str, subject_has: str, timeout: float = 30.0) -> Received:
    """The first email to `address` whose subject contains `subject_has`."""
    return smtp.wait_for(
        lambda item: (
            address in item.rcpt_tos and subject_has.lower() in str(item.message["Subject"]).lower()
        ),
        timeout,
    )


def link_in(received: Received, base_url: str, path_has: str) -> str:
    """The link in the plain-text body on `base_url` whose path contains `path_has`."""
    for link in LINK_RE.findall(received.text):
        if link.startswith(base_url) and path_has in link:
            return link.rstrip(".,)")
    raise AssertionError(f"no {path_has!r} link to {base_url} in:\n{received.text}")
