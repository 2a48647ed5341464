"""Admin only: the staff list and staff invitations."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from recruit.admin.blueprint import bp
from recruit.admin.pages import View
from recruit.admin.user_forms import InviteForm
from recruit.extensions import db
from recruit.models import Role, User
from recruit.services import accounts
from recruit.web.authz import admin_required

STAFF_LIST_ROLES = (Role.ADMIN, Role.RECRUITER, Role.PANEL, Role.EQUALITY)


@bp.route("/users")
@admin_required
def users() -> str:
    """Every staff account (admins, recruiters, panel members) and whether it is active yet."""
    staff = db.session.scalars(
        select(User).where(User.role.in_(STAFF_LIST_ROLES)).order_by(User.full_name, User.id)
    ).all()
    return render_template("admin/users.html", users=staff)


@bp.route("/users/invite", methods=["GET", "POST"])
@admin_required
def invite() -> View:
    """Create an inactive staff account and email its owner a link to set a password."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = accounts.invite_staff(
                form.email.data, form.full_name.data, Role(form.role.data), current_user
            )
            db.session.commit()
        except (ValueError, IntegrityError):
            # ValueError: the email is taken; IntegrityError: it was taken a moment ago.
            db.session.rollback()
            form.email.errors.append("An account with that email address already exists")
        else:
            flash(f"Invitation sent to {user.email}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/invite.html", form=form), 400 if form.errors else 200
