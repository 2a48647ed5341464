"""Known-device cookies (OWASP's "device cookies"): a browser that logged in to an account before.

At a successful password login the browser gets a cookie, signed with the app's secret and
bound to that account, holding a random device id. A later login to the same account from that
browser is counted against the device rather than the address, and is not held up by the
account-wide delay that attackers on other clients can cause. The right password is still
needed, and the device's own failures still delay it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, request, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response

COOKIE_NAME = "recruit_device"
# Over HTTPS (production) the name carries the prefix browsers reserve for Secure cookies.
SECURE_COOKIE_NAME = "__Secure-" + COOKIE_NAME
_SALT = "recruit.known-device"
_MAX_COOKIE_CHARS = 512


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=_SALT)


def _secure() -> bool:
    return bool(current_app.config["SESSION_COOKIE_SECURE"])


def cookie_name() -> str:
    """The cookie's name: `__Secure-` prefixed where cookies are Secure."""
    return SECURE_COOKIE_NAME if _secure() else COOKIE_NAME


def _lifetime_seconds() -> int:
    return int(current_app.config["LOGIN_DEVICE_COOKIE_DAYS"]) * 86400


def account_tag(email: str) -> str:
    """A keyed digest of the account's email: binds the cookie without revealing the address."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = b"known-device:" + email.strip().lower().encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def known_device(email: str) -> str | None:
    """The device id of this browser's known-device cookie, if it was issued for `email`."""
    raw = request.cookies.get(cookie_name(), "")
    if not raw or len(raw) > _MAX_COOKIE_CHARS:
        return None
    try:
        data = _serializer().loads(raw, max_age=_lifetime_seconds())
    except BadData:
        return None
    if not isinstance(data, dict):
        return None
    tag, device = data.get("a"), data.get("d")
    if not isinstance(tag, str) or not isinstance(device, str):
        return None
    return device if hmac.compare_digest(tag, account_tag(email)) else None


def remember_device(response: Response, email: str) -> None:
    """Give the browser a known-device cookie for this account (HttpOnly, Secure in production)."""
    value = _serializer().dumps({"a": account_tag(email), "d": secrets.token_urlsafe(16)})
    response.set_cookie(
        cookie_name(),
        value,
        max_age=_lifetime_seconds(),
        path=url_for("auth.login"),  # only the login form needs it
        secure=_secure(),
        httponly=True,
        samesite="Strict",
    )
