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

from recruit.auth import bp
from recruit.auth.forms import ForgotPasswordForm, LoginForm, NewPasswordForm, RegisterForm
from recruit.extensions import db
from recruit.models import Role, TokenPurpose, User, utcnow
from recruit.ratelimit import Limiter
from recruit.services import accounts
from recruit.services.tokens import find_valid_token
from recruit.sessions import end_user_sessions, fresh_session

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


@bp.route("/verify/<token>")
def verify_email(token: str) -> View:
    """Confirm an email address from its link and log the owner in."""
    user = accounts.verify_email(token)
    if user is None:
        db.session.rollback()
        log.info("link refused: unknown, used or expired", extra={"event": "bad_link_verify"})
        return render_template("auth/link_expired.html", purpose="verify"), 410
    start_session(user)
    db.session.commit()
    log.info("email verified; logged in", extra={"event": "email_verified", "user_id": user.id})
    flash("Your email address is confirmed and your account is ready.", "success")
    return redirect(url_for("portal.vacancies"))


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
    if form.form_errors and form.form_errors[0].startswith("Too many"):
        status = 429
    return render_template("auth/login.html", form=form), status


def attempt_login(form: LoginForm) -> Response | None:
    """Check the credentials with brute-force limits; a redirect on success, else form errors."""
    email = form.email.data
    decision = limiter().check_account(email)
    if not decision.allowed:
        log.warning(
            "login refused: account locked",
            extra={"event": "login_locked", "account": account_ref(email)},
        )
        minutes = max(1, (decision.retry_after + 59) // 60)
        form.form_errors.append(
            f"Too many failed attempts. Wait {minutes} minute{'s' if minutes > 1 else ''} and "
            "try again, or reset your password."
        )
        return None
    user = accounts.check_credentials(email, form.password.data)
    if user is None:
        failures = limiter().record_failure(email)
        ref = account_ref(email)
        log.info(
            "login failed", extra={"event": "login_failed", "account": ref, "failures": failures}
        )
        if failures == limiter().free_failures or failures == limiter().max_failures:
            log.warning(
                "account locked after failed logins",
                extra={"event": "lockout", "account": ref, "failures": failures},
            )
        form.email.errors = ["Enter a correct email address and password"]
        return None
    limiter().clear_account(email)
    if user.email_verified_at is None:
        accounts.send_verification(user)
        db.session.commit()
        log.info(
            "login refused: email not confirmed",
            extra={"event": "login_unverified", "user_id": user.id},
        )
        form.form_errors.append(
            "You need to confirm your email address before you can log in. "
            "We have sent you a new link."
        )
        return None
    start_session(user)
    db.session.commit()
    log.info("login succeeded", extra={"event": "login_succeeded", "user_id": user.id})
    return redirect(safe_next(request.args.get("next"), home_for(user)))


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
    """Send a reset link if the account exists; the reply is the same either way."""
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
    return render_template("auth/forgot_password.html", form=form), 400 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> View:
    """Choose a new password from a reset link that works once and expires."""
    if find_valid_token(token, TokenPurpose.RESET_PASSWORD) is None:
        log.info("link refused: unknown, used or expired", extra={"event": "bad_link_reset"})
        return render_template("auth/link_expired.html", purpose="reset"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = accounts.reset_password(token, form.password.data)
        if user is None:
            db.session.rollback()
            return render_template("auth/link_expired.html", purpose="reset"), 410
        logout_user()
        fresh_session()
        db.session.commit()
        end_user_sessions(user.id)
        limiter().clear_account(user.email)
        log.info(
            "password changed with a reset link; sessions ended",
            extra={"event": "password_reset", "user_id": user.id},
        )
        flash("Your password has been changed. Log in with your new password.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 400 if form.errors else 200


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invite(token: str) -> View:
    """A staff member invited by an admin sets a password and activates the account."""
    pending = find_valid_token(token, TokenPurpose.INVITE)
    if pending is None:
        log.info("link refused: unknown, used or expired", extra={"event": "bad_link_invite"})
        return render_template("auth/link_expired.html", purpose="invite"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = accounts.accept_invite(token, form.password.data)
        if user is None:
            db.session.rollback()
            return render_template("auth/link_expired.html", purpose="invite"), 410
        start_session(user)
        db.session.commit()
        log.info("invitation accepted", extra={"event": "invite_accepted", "user_id": user.id})
        flash("Your account is ready.", "success")
        return redirect(home_for(user))
    invitee = db.session.get(User, pending.user_id)
    return render_template(
        "auth/accept_invite.html", form=form, invitee=invitee
    ), 400 if form.errors else 200
