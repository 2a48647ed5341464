"""Admin only: webhook endpoints (register, change, rotate the secret, delete) and each
endpoint's delivery log with a Redeliver button. Views commit; the secret is shown once."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.admin.blueprint import bp
from recruit.admin.webhook_forms import EVENT_LABELS, ActionForm, EndpointForm
from recruit.extensions import db
from recruit.models import WebhookEndpoint
from recruit.parsing import MAX_ROW_ID, ascii_int
from recruit.web.authz import admin_required
from recruit.webhooks import endpoints
from recruit.webhooks.endpoints import EndpointError, EndpointInput
from recruit.webhooks.sending import retry_text


def _input(form: EndpointForm) -> EndpointInput:
    return EndpointInput(
        url=form.url.data or "",
        events=tuple(form.events.data or ()),
        description=form.description.data or "",
    )


def _refuse(form: EndpointForm, error: EndpointError) -> None:
    field = getattr(form, error.field, form.url)
    field.errors = [*field.errors, str(error)]


def _list_page(form: EndpointForm, status: int = 200, **extra: Any) -> tuple[str, int]:
    page = render_template(
        "admin/webhooks.html",
        form=form,
        endpoints=endpoints.all_endpoints(),
        labels=EVENT_LABELS,
        retry_text=retry_text(),
        **extra,
    )
    return page, status


@bp.route("/webhooks", methods=["GET", "POST"])
@admin_required
def webhooks() -> tuple[str, int]:
    """Every endpoint, and the form to register one (its secret is shown once, here)."""
    form = EndpointForm()
    if not form.is_submitted():
        return _list_page(form)
    if not form.validate():
        return _list_page(form, status=400)
    try:
        endpoint, secret = endpoints.register(_input(form), current_user)
    except EndpointError as error:
        _refuse(form, error)
        return _list_page(form, status=400)
    db.session.commit()
    return _list_page(EndpointForm(formdata=None), status=201, secret=secret, created=endpoint)


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = endpoints.find(endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


def _endpoint_page(
    endpoint: WebhookEndpoint, form: EndpointForm, status: int = 200, secret: str = ""
) -> tuple[str, int]:
    page = render_template(
        "admin/webhook_endpoint.html",
        endpoint=endpoint,
        form=form,
        action_form=ActionForm(),
        secret=secret,
    )
    return page, status


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
@admin_required
def webhook_endpoint(endpoint_id: int) -> tuple[str, int] | Response:
    """One endpoint: change its URL, events and whether it is on; rotate or delete it."""
    endpoint = _endpoint(endpoint_id)
    form = EndpointForm(obj=endpoint, data={"events": endpoint.events})
    if not form.is_submitted():
        return _endpoint_page(endpoint, form)
    if not form.validate():
        return _endpoint_page(endpoint, form, status=400)
    try:
        endpoints.update(endpoint, _input(form), current_user, bool(form.active.data))
    except EndpointError as error:
        db.session.rollback()
        _refuse(form, error)
        return _endpoint_page(_endpoint(endpoint_id), form, status=400)
    db.session.commit()
    flash("The endpoint has been saved.", "success")
    return redirect(url_for("admin.webhook_endpoint", endpoint_id=endpoint_id))


@bp.route("/webhooks/<int:endpoint_id>/rotate", methods=["POST"])
@admin_required
def rotate_webhook_secret(endpoint_id: int) -> tuple[str, int]:
    """Give the endpoint a new signing secret at once, shown once on the answer."""
    endpoint = _endpoint(endpoint_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    secret = endpoints.rotate_secret(endpoint, current_user)
    db.session.commit()
    form = EndpointForm(obj=endpoint, data={"events": endpoint.events}, formdata=None)
    return _endpoint_page(endpoint, form, secret=secret)


@bp.route("/webhooks/<int:endpoint_id>/delete", methods=["POST"])
@admin_required
def delete_webhook(endpoint_id: int) -> Response:
    """Delete the endpoint, its deliveries and their log."""
    endpoint = _endpoint(endpoint_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    endpoints.delete(endpoint, current_user)
    db.session.commit()
    flash("The endpoint has been deleted.", "success")
    return redirect(url_for("admin.webhooks"))


@bp.route("/webhooks/<int:endpoint_id>/deliveries")
@admin_required
def webhook_deliveries(endpoint_id: int) -> str:
    """The endpoint's delivery log, newest first: status, response codes, attempts, times."""
    endpoint = _endpoint(endpoint_id)
    before = ascii_int(request.args.get("before", ""), MAX_ROW_ID)
    rows = endpoints.deliveries(endpoint_id, before)
    older = rows[-1].id if len(rows) == endpoints.LOG_PAGE else None
    return render_template(
        "admin/webhook_deliveries.html",
        endpoint=endpoint,
        deliveries=rows,
        older=older,
        first_page=before is None,
        action_form=ActionForm(),
        retry_text=retry_text(),
    )


@bp.route("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
@admin_required
def redeliver_webhook(endpoint_id: int, delivery_id: int) -> Response:
    """Send the delivery's event to the endpoint once more (recorded in the audit trail)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    delivery = endpoints.find_delivery(endpoint_id, delivery_id)
    if delivery is None:
        abort(404)
    again = endpoints.redeliver(delivery, current_user)
    db.session.commit()
    flash(f"Event {again.event_id} will be sent again as delivery {again.id}.", "success")
    return redirect(url_for("admin.webhook_deliveries", endpoint_id=endpoint_id))
