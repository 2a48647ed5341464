"""Views for accounts. Each view owns its transaction."""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from recruit.auth import devices
from recruit.auth.blueprint import bp
from recruit.auth.forms import ForgotPasswordForm, LoginForm, RegisterForm
from recruit.extensions import db
from recruit.models import Role, User, utcnow
from recruit.services import accounts
from recruit.web.ratelimit import Attempt, Limiter, describe_wait
from recruit.web.sessions import fresh_session

log = logging.getLogger(__name__)

View = str | Response | tuple[str, int]


def limiter() -> Limiter:
    """This app's rate limiter."""
    found: Limiter = current_app.extensions["recruit.limiter"]
    return found


def account_ref(email: str) -> str:
    """A stable pseudonym for the email a login named, so failures correlate without the address."""
    return hashlib.sha256(accounts.normalise_email(email).encode()).hexdigest()[:16]


def limit_address(action: str) -> None:
    """Refuse with 429 when this client address has made too many `action` requests."""
    if request.method != "POST":
        return
    address = request.remote_addr or "unknown"
    decision = limiter().hit_address(action, address)
    if not decision.allowed:
        log.warning(
            "rate limit reached",
            extra={"event": "rate_limited", "action": action, "client": address},
        )
        response = make_response(
            render_template("errors/error.html", code=429, title="Too many attempts", error=None),
            429,
        )
        response.headers["Retry-After"] = str(decision.retry_after)
        abort(response)


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site relative paths are followed after login; anything else goes to `fallback`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def home_for(user: User) -> str:
    """Where a user lands after logging in."""
    if user.role is Role.EQUALITY:  # sees the aggregate reports and nothing else
        return url_for("admin.equality")
    assesses = user.is_staff or user.role is Role.PANEL
    return url_for("admin.dashboard") if assesses else url_for("portal.applications")


def start_session(user: User) -> None:
    """Log the user in on a fresh session id, dropping whatever the old one held."""
    fresh_session()
    login_user(user)
    user.last_login_at = utcnow()


@bp.route("/register", methods=["GET", "POST"])
def register() -> View:
    """Create a candidate account; the reply is the same whether or not the email is known."""
    limit_address("register")
    form = RegisterForm()
    if form.validate_on_submit():
        accounts.register_candidate(form.full_name.data, form.email.data, form.password.data)
        db.session.commit()
        session["check_email"] = "register"
        return redirect(url_for("auth.check_email"))
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


@bp.route("/check-your-email")
def check_email() -> View:
    """Tell the user an email is on its way, without saying whether the account exists."""
    reason = session.get("check_email", "register")
    return render_template("auth/check_email.html", reason=reason)


@bp.route("/login", methods=["GET", "POST"])
def login() -> View:
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    limit_address("login")
    form = LoginForm()
    if form.validate_on_submit():
        outcome = attempt_login(form)
        if outcome is not None:
            return outcome
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/login.html", form=form), status


def login_client(email: str) -> tuple[str, bool]:
    """Who is trying, for the delays: this browser as a known device of the account, else its
    address; and whether it is a known device."""
    device = devices.known_device(email)
    if device is not None:
        return f"device:{device}", True
    return f"address:{request.remote_addr or 'unknown'}", False


def refuse_attempt(form: LoginForm, email: str, attempt: Attempt) -> Response:
    """The login page with status 429, `Retry-After` and the wait in words."""
    log.warning(
        "login refused: too many failed attempts",
        extra={"event": "login_locked", "account": account_ref(email), "scope": attempt.scope},
    )
    form.form_errors.append(
        f"Too many failed attempts. Wait {describe_wait(attempt.retry_after)} and try again, "
        "or reset your password."
    )
    response = make_response(render_template("auth/login.html", form=form), 429)
    response.headers["Retry-After"] = str(attempt.retry_after)
    return response


def note_failure(email: str, attempt: Attempt) -> None:
    """Log a failed login, and a lockout when this client's or the account-wide delay starts."""
    ref = account_ref(email)
    failures = attempt.failures
    log.info("login failed", extra={"event": "login_failed", "account": ref, "failures": failures})
    if failures == limiter().free_failures:
        log.warning(
            "client delayed after failed logins",
            extra={"event": "lockout", "account": ref, "failures": failures, "scope": "client"},
        )
    if attempt.counted and attempt.account_failures == limiter().rule.account_free:
        log.warning(
            "unknown devices delayed after failed logins from many clients",
            extra={
                "event": "lockout",
                "account": ref,
                "failures": attempt.account_failures,
                "scope": "account",
            },
        )


def attempt_login(form: LoginForm) -> Response | None:
    """Check the credentials with brute-force limits; a redirect on success, else form errors."""
    email = form.email.data
    client, known_device = login_client(email)
    # Claims this attempt's password check atomically: simultaneous requests cannot share it.
    attempt = limiter().begin_login(email, client, known_device)
    if not attempt.allowed:
        return refuse_attempt(form, email, attempt)
    user = accounts.check_credentials(email, form.password.data)
    if user is None:
        note_failure(email, attempt)
        form.email.errors = ["Enter a correct email address and password"]
        return None
    limiter().login_succeeded(email, client, attempt)
    if user.email_verified_at is None:
        accounts.send_verification(user)
        db.session.commit()
        log.info(
            "login refused: email not confirmed",
            extra={"event": "login_unverified", "user_id": user.id},
        )
        form.form_errors.append(
            "You need to confirm your email address before you can log in. "
            "Use the link in the email we sent you. We send a new one at most every 5 minutes, "
            "and only the newest link works."
        )
        return None
    start_session(user)
    db.session.commit()
    log.info("login succeeded", extra={"event": "login_succeeded", "user_id": user.id})
    response = redirect(safe_next(request.args.get("next"), home_for(user)))
    devices.remember_device(response, email)
    return response


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """End the session."""
    if current_user.is_authenticated:
        log.info("logged out", extra={"event": "logout", "user_id": current_user.id})
    logout_user()
    fresh_session()
    flash("You have logged out.", "info")
    return redirect(url_for("portal.index"))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> View:
    """Record a reset request for a worker; the reply and the work are the same for any email."""
    limit_address("reset")
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        log.info(
            "password reset requested",
            extra={"event": "reset_requested", "account": account_ref(form.email.data)},
        )
        session["check_email"] = "reset"
        return redirect(url_for("auth.check_email"))
    interval = describe_wait(int(current_app.config["RESET_EMAIL_INTERVAL_SECONDS"]))
    page = render_template("auth/forgot_password.html", form=form, interval=interval)
    return page, 400 if form.errors else 200
