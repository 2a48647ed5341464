"""The candidate's account: a copy of their data (Art. 15) and deleting the account (Art. 17)."""

from __future__ import annotations

import logging

from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from recruit.extensions import db
from recruit.models import User
from recruit.models.privacy import AccessRequest, AccessRequestStatus
from recruit.passwords import verify_password
from recruit.portal.account_forms import DeleteAccountForm, RequestDataForm
from recruit.portal.blueprint import bp
from recruit.privacy import access_requests, erasure
from recruit.privacy.purge import delete_files
from recruit.services.access import may_download_access_pack
from recruit.web.authz import candidate_required
from recruit.web.packs import send_access_pack
from recruit.web.ratelimit import Limiter
from recruit.web.sessions import fresh_session

log = logging.getLogger(__name__)

View = str | Response | tuple[str, int]


def own_request(access_request_id: int) -> AccessRequest:
    """The current candidate's own request, or 404 (another person's answers 404 too)."""
    found = db.session.get(AccessRequest, access_request_id)
    if found is None or not may_download_access_pack(current_user, found.user_id):
        abort(404)
    return found


@bp.route("/account")
@candidate_required
def account() -> str:
    """The account page: who you are, a copy of your data, and deleting the account."""
    found = access_requests.for_user(current_user)
    return render_template(
        "portal/account.html",
        form=RequestDataForm(),
        requests=found,
        expired_ids={r.id for r in found if access_requests.is_expired(r)},
    )


@bp.route("/account/data", methods=["POST"])
@candidate_required
def request_data() -> Response:
    """Ask for a copy of your data; a worker builds it and we email you when it is ready."""
    form = RequestDataForm()
    if not form.validate_on_submit():
        abort(400)
    found = access_requests.open_request(current_user)
    if found is None:
        found = access_requests.request_pack(current_user, current_user)
        db.session.commit()
        log.info("access request made", extra={"event": "access_requested", "request": found.id})
    return redirect(url_for("portal.data_request", access_request_id=found.id))


@bp.route("/account/data/<int:access_request_id>")
@candidate_required
def data_request(access_request_id: int) -> str:
    """One request's progress, and its download link when the pack is ready."""
    found = own_request(access_request_id)
    return render_template(
        "portal/data_request.html", found=found, expired=access_requests.is_expired(found)
    )


@bp.route("/account/data/<int:access_request_id>/download")
@candidate_required
def download_data(access_request_id: int) -> Response:
    """Send the pack as an attachment and record the download; 410 once it has expired."""
    found = own_request(access_request_id)
    return send_pack(found, current_user)


def send_pack(found: AccessRequest, user: User) -> Response:
    """The pack's file, audited; the 410 page after its expiry; back to progress if not built."""
    if access_requests.is_expired(found):
        page = render_template("portal/data_expired.html", found=found)
        return make_response(page, 410)
    if found.status is not AccessRequestStatus.READY or not found.file_name:
        return redirect(url_for("portal.data_request", access_request_id=found.id))
    return send_access_pack(found, user, "access pack downloaded")


@bp.route("/account/delete", methods=["GET", "POST"])
@candidate_required
def delete_account() -> View:
    """Explain what deleting does, ask for the password again, then erase the account."""
    form = DeleteAccountForm()
    if request.method == "POST":
        limit_password_checks(current_user)
    kept = erasure.kept_for_hired(current_user)
    if form.validate_on_submit():
        if verify_password(current_user.password_hash, form.password.data or ""):
            return erase(current_user._get_current_object())
        form.password.errors.append("The password is not right")
        log.warning("account deletion refused: wrong password", extra={"event": "erase_refused"})
    html = render_template("portal/delete_account.html", form=form, kept=kept)
    return (html, 400) if form.errors else html


def limit_password_checks(user: User) -> None:
    """429 once an account's password has been tried here too often (a stolen session must
    not become a way to guess the password)."""
    limiter: Limiter = current_app.extensions["recruit.limiter"]
    decision = limiter.hit_address("erase_password", str(user.id))
    if decision.allowed:
        return
    log.warning("account deletion: too many attempts", extra={"event": "rate_limited"})
    page = render_template("errors/error.html", code=429, title="Too many attempts", error=None)
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(decision.retry_after)
    abort(response)


def erase(user: User) -> Response:
    """Erase the account, end every session, delete its files, and say it is done."""
    user_id = user.id
    result = erasure.erase_account(user)
    logout_user()
    fresh_session()
    db.session.commit()
    delete_files(result.files)
    log.info(
        "account erased",
        extra={"event": "account_erased", "user_id": user_id, "purged": result.purged},
    )
    page = render_template("portal/account_deleted.html", kept=result.kept)
    return make_response(page, 200)
