"""Public information pages: the privacy notice, the accessibility statement and cookies."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template

from recruit.auth import devices
from recruit.contacts import contacts
from recruit.portal.blueprint import bp


@dataclass(frozen=True)
class Cookie:
    """One cookie the service sets, as the cookies page describes it."""

    name: str
    purpose: str
    expires: str


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def strictly_necessary_cookies() -> list[Cookie]:
    """Every cookie the service sets, named as this deployment names them.

    The names come from the code that sets them (the session interface and the known-device
    cookie), so the page cannot drift from what browsers receive.
    """
    config = current_app.config
    idle = _plural(int(config["SESSION_IDLE_MINUTES"]), "minute")
    absolute = _plural(int(config["SESSION_ABSOLUTE_HOURS"]), "hour")
    return [
        Cookie(
            name=current_app.session_interface.get_cookie_name(current_app),
            purpose=(
                "Keeps you logged in as you move between pages, and protects the forms you "
                "send from being forged by another website. It holds only a random number; "
                "what it stands for is kept on our server. We set it only when it is needed, "
                "for example when you open a page with a form or log in."
            ),
            expires=(
                f"When you close your browser. Our server also ends the session after {idle} "
                f"without activity, after {absolute} in any case, and when you log out."
            ),
        ),
        Cookie(
            name=devices.cookie_name(),
            purpose=(
                "Remembers that this browser has logged in to your account before, so that "
                "people trying to guess your password elsewhere cannot slow down your own "
                "logins. It is sent only to the login page, and you still need your password."
            ),
            expires=_plural(int(config["LOGIN_DEVICE_COOKIE_DAYS"]), "day"),
        ),
    ]


@bp.route("/privacy")
def privacy() -> str:
    """The privacy notice: what we collect, why, on what basis, for how long, and your rights."""
    return render_template("portal/privacy.html", contacts=contacts())


@bp.route("/accessibility")
def accessibility() -> str:
    """The accessibility statement, in the GOV.UK model format."""
    return render_template("portal/accessibility.html", contacts=contacts())


@bp.route("/cookies")
def cookies() -> str:
    """The cookies page: only strictly necessary cookies, so no consent banner."""
    return render_template(
        "portal/cookies.html", cookies=strictly_necessary_cookies(), contacts=contacts()
    )
