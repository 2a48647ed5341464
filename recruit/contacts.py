"""Who people write to: the recruitment team and the data protection officer."""

from __future__ import annotations

from flask import current_app


def _address_of(mailbox: str) -> str:
    """The bare address of `Name <address>` (or of a bare address)."""
    return mailbox.rpartition("<")[2].rstrip(">").strip()


def contacts() -> dict[str, str]:
    """Who to write to: the recruitment team, and the data protection officer.

    The officer's address defaults to `dpo@` the domain the service's emails come from, so a
    deployment that changes MAIL_FROM gets a consistent address unless it sets DPO_EMAIL.
    """
    config = current_app.config
    team = str(config.get("CONTACT_EMAIL") or _address_of(str(config.get("MAIL_FROM") or "")))
    domain = team.rpartition("@")[2]
    dpo = str(config.get("DPO_EMAIL") or (f"dpo@{domain}" if domain else ""))
    return {"team": team, "dpo": dpo}
