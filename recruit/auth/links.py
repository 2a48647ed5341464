"""Emailed links: confirm an email address, reset a password, accept a staff invitation.

An emailed link is `/<page>?token=...`. Its first request only moves the token out of the URL:
the token's id goes into the server-side session and the answer is a 303 to the same page
without the query, so the token is in no later request line, Referer or browser address bar.
The page then asks for a POST (a button, or a new password), which uses the token once.
Opening a link changes nothing, and no link starts a session except an accepted invitation,
whose POST carries the password the invitee has just chosen.
"""

from __future__ import annotations

import logging

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_login import logout_user
from werkzeug.wrappers import Response

from recruit.auth.blueprint import bp
from recruit.auth.forms import ConfirmEmailForm, NewPasswordForm
from recruit.auth.views import home_for, limiter, start_session
from recruit.extensions import db
from recruit.models import AccountToken, TokenPurpose, User
from recruit.services import accounts
from recruit.services.tokens import find_valid_token, token_by_id
from recruit.web.sessions import end_user_sessions, fresh_session

log = logging.getLogger(__name__)

# What each link's pages call it, in templates and in the `bad_link_*` log events.
LABELS = {
    TokenPurpose.VERIFY_EMAIL: "verify",
    TokenPurpose.RESET_PASSWORD: "reset",
    TokenPurpose.INVITE: "invite",
}


def _key(purpose: TokenPurpose) -> str:
    return f"link_{purpose.value}"


def private(response: Response) -> Response:
    """Keep a link page out of Referer headers and out of every cache."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def arrived_by_link() -> bool:
    """Whether this request is the emailed link itself (a GET with the token in its query)."""
    return request.method == "GET" and "token" in request.args


def take_token(purpose: TokenPurpose) -> Response:
    """Keep the link's token (by id) in the session and 303 to the page's clean URL."""
    found = find_valid_token(request.args.get("token", ""), purpose)
    if found is None:
        session.pop(_key(purpose), None)
    else:
        session[_key(purpose)] = found.id
    return private(redirect(url_for(str(request.endpoint)), 303))


def pending(purpose: TokenPurpose) -> AccountToken | None:
    """The still-usable token this browser arrived with, if any."""
    return token_by_id(session.get(_key(purpose)), purpose)


def held_token(purpose: TokenPurpose) -> AccountToken | Response:
    """The token behind this page, or the answer instead: the clean-URL 303 or the 410."""
    if arrived_by_link():
        return take_token(purpose)
    token = pending(purpose)
    return gone(purpose) if token is None else token


def gone(purpose: TokenPurpose) -> Response:
    """The 410 page for a link that is unknown, used, expired or replaced."""
    label = LABELS[purpose]
    log.info("link refused: unknown, used or expired", extra={"event": f"bad_link_{label}"})
    page = render_template("auth/link_expired.html", purpose=label)
    return private(make_response(page, 410))


def page(template: str, status: int, **context: object) -> Response:
    """A link page with its form."""
    return private(make_response(render_template(template, **context), status))


@bp.route("/verify-email", methods=["GET", "POST"])
def verify_email() -> Response:
    """Confirm an email address with a button; then the owner logs in as usual."""
    purpose = TokenPurpose.VERIFY_EMAIL
    token = held_token(purpose)
    if isinstance(token, Response):
        return token
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        user = accounts.verify_email(token.id)
        if user is None:
            db.session.rollback()
            return gone(purpose)
        session.pop(_key(purpose), None)
        db.session.commit()
        log.info("email verified", extra={"event": "email_verified", "user_id": user.id})
        flash("Your email address is confirmed. Log in to continue.", "success")
        return redirect(url_for("auth.login"))
    owner = db.session.get(User, token.user_id)
    return page("auth/verify_email.html", 200, form=form, owner=owner)


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password() -> Response:
    """Choose a new password from a reset link that works once and expires."""
    purpose = TokenPurpose.RESET_PASSWORD
    token = held_token(purpose)
    if isinstance(token, Response):
        return token
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = accounts.reset_password(token.id, form.password.data)
        if user is None:
            db.session.rollback()
            return gone(purpose)
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
    return page("auth/reset_password.html", 400 if form.errors else 200, form=form)


@bp.route("/invitation", methods=["GET", "POST"])
def accept_invite() -> Response:
    """A staff member invited by an admin sets a password and activates the account."""
    purpose = TokenPurpose.INVITE
    token = held_token(purpose)
    if isinstance(token, Response):
        return token
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = accounts.accept_invite(token.id, form.password.data)
        if user is None:
            db.session.rollback()
            return gone(purpose)
        start_session(user)
        db.session.commit()
        log.info("invitation accepted", extra={"event": "invite_accepted", "user_id": user.id})
        flash("Your account is ready.", "success")
        return redirect(home_for(user))
    invitee = db.session.get(User, token.user_id)
    status = 400 if form.errors else 200
    return page("auth/accept_invite.html", status, form=form, invitee=invitee)


@bp.route("/verify/<token>")
@bp.route("/reset-password/<token>")
@bp.route("/invitation/<token>")
def old_link(token: str) -> Response:
    """A link from before tokens left the path: it no longer works, and says how to get a new one.

    The token is not even looked up: it travelled in a path that access logs recorded.
    """
    first = str(request.url_rule.rule if request.url_rule else "").split("/")[1]
    purpose = {"verify": TokenPurpose.VERIFY_EMAIL, "invitation": TokenPurpose.INVITE}.get(
        first, TokenPurpose.RESET_PASSWORD
    )
    return gone(purpose)
