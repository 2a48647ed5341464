"""Personal access tokens for the API: recruiters and admins make, list and revoke them.

A token's secret is shown once, on the page that answers the form, and never again: only its
hash is stored. Admins see and may revoke everyone's tokens; recruiters their own.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.admin.blueprint import bp
from recruit.admin.token_forms import NewTokenForm, RevokeTokenForm
from recruit.extensions import db
from recruit.models import TokenScope, utcnow
from recruit.parsing import MAX_ROW_ID, ascii_int
from recruit.services import api_tokens
from recruit.web.authz import staff_required


def _list_page(form: NewTokenForm, secret: str = "", status: int = 200) -> tuple[str, int]:
    page = render_template(
        "admin/tokens.html",
        form=form,
        revoke_form=RevokeTokenForm(),
        tokens=api_tokens.visible_tokens(current_user),
        now=utcnow(),
        secret=secret,
    )
    return page, status


@bp.route("/tokens", methods=["GET", "POST"])
@staff_required
def tokens() -> tuple[str, int]:
    """The viewer's tokens (everyone's for an admin) and the form to make one."""
    form = NewTokenForm()
    if not form.is_submitted():
        return _list_page(form)
    if not form.validate():
        return _list_page(form, status=400)
    _, secret = api_tokens.issue(
        current_user, form.name.data, TokenScope(form.scope.data), int(form.lifetime.data)
    )
    db.session.commit()
    # Shown on this answer only; the page forbids caching (Cache-Control: no-store).
    return _list_page(NewTokenForm(formdata=None), secret=secret)


@bp.route("/tokens/revoke", methods=["POST"])
@staff_required
def revoke_token() -> Response:
    """Revoke a token at once: the next request that presents it is refused."""
    form = RevokeTokenForm()
    if not form.validate_on_submit():
        abort(400)
    token_id = ascii_int(form.token_id.data, MAX_ROW_ID)
    token = api_tokens.find_revocable(current_user, token_id) if token_id is not None else None
    if token is None:
        # Someone else's token answers as an unknown one: nothing says it exists.
        flash("There is no such token of yours to revoke.", "info")
    elif api_tokens.revoke(token, current_user):
        db.session.commit()
        flash(f"The token “{token.name}” has been revoked.", "success")
    return redirect(url_for("admin.tokens"))
