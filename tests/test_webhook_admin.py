"""The admin's webhook pages: register (secret shown once), refuse bad URLs, change, rotate,
delete, the delivery log and its Redeliver button (CSRF, audited), and admins only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import AuditEvent, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import log_in
from tests.support.rows import rows
from tests.support.webhooks import add_delivery

SECRET_RE = re.compile(r'id="new-secret">([^<]+)<')
GOOD_URL = "https://93.184.215.14/hooks/recruit"


@pytest.fixture
def admin_client(client: FlaskClient, make: Factory) -> FlaskClient:
    """The client, logged in as an admin."""
    log_in(client, make.admin())
    return client


def events_of(app: Flask, endpoint_id: int) -> list[str]:
    """The event types the endpoint subscribes to."""
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        return endpoint.events


def register(client: FlaskClient, url: str = GOOD_URL, **extra: Any) -> Any:
    """Post the register form as a browser would."""
    form = {"url": url, "description": "HR system", "events": ["application.submitted"]}
    return submit(client, "/admin/webhooks", {**form, **extra})


def test_registering_shows_the_secret_once(app: Flask, admin_client: FlaskClient) -> None:
    response = register(admin_client)
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    found = SECRET_RE.search(html)
    assert found is not None and found.group(1).startswith("whsec_")
    secret = found.group(1)
    assert response.headers["Cache-Control"].startswith("no-store")
    [endpoint] = rows(app, WebhookEndpoint)
    assert endpoint.url == GOOD_URL and endpoint.secret == secret
    assert events_of(app, endpoint.id) == ["application.submitted"]
    # Never again: not on the list, not on the endpoint's page, not in its log.
    for page in ("/admin/webhooks", f"/admin/webhooks/{endpoint.id}"):
        again = admin_client.get(page).get_data(as_text=True)
        assert secret not in again and endpoint.secret_prefix in again
    assert [e.event for e in rows(app, AuditEvent)][-1] == "webhook_endpoint_created"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.215.14/hook", "Enter a URL that starts with https://"),
        ("https://10.0.0.1/hook", "private, loopback and link-local"),
        ("https://169.254.169.254/latest", "private, loopback and link-local"),
        ("https://127.0.0.1/hook", "private, loopback and link-local"),
        ("https://user:pw@93.184.215.14/", "without a user name or password"),
        ("", "Enter the endpoint URL"),
    ],
)
def test_a_bad_url_is_refused_with_a_clear_message(
    app: Flask, admin_client: FlaskClient, url: str, message: str
) -> None:
    response = register(admin_client, url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and message in html
    assert rows(app, WebhookEndpoint) == []


def test_no_event_chosen_is_refused(app: Flask, admin_client: FlaskClient) -> None:
    response = register(admin_client, events=[])
    assert response.status_code == 400
    assert "Select at least one event" in response.get_data(as_text=True)


def test_loopback_is_allowed_when_configured(app_factory: Any, make: Factory) -> None:
    app = app_factory(WEBHOOK_ALLOW_LOOPBACK=True)
    client = app.test_client()
    log_in(client, make.admin())
    assert register(client, "http://127.0.0.1:8080/hook").status_code == 201
    assert register(client, "https://10.0.0.1/hook").status_code == 400


def test_changing_rotating_and_deleting(app: Flask, admin_client: FlaskClient) -> None:
    register(admin_client)
    [endpoint] = rows(app, WebhookEndpoint)
    page = f"/admin/webhooks/{endpoint.id}"
    changed = submit(
        admin_client,
        page,
        {
            "url": "https://93.184.215.15/other",
            "description": "",
            "events": ["vacancy.closed", "export.ready"],
        },
    )
    assert changed.status_code == 302
    [endpoint] = rows(app, WebhookEndpoint)
    assert endpoint.url == "https://93.184.215.15/other" and not endpoint.active
    assert events_of(app, endpoint.id) == ["export.ready", "vacancy.closed"]
    bad = submit(admin_client, page, {"url": "https://10.1.1.1/", "events": ["export.ready"]})
    assert bad.status_code == 400 and "link-local" in bad.get_data(as_text=True)
    rotated = submit(admin_client, page, {}, action=f"{page}/rotate")
    assert rotated.status_code == 200
    found = SECRET_RE.search(rotated.get_data(as_text=True))
    assert found is not None and found.group(1) != endpoint.secret
    assert rows(app, WebhookEndpoint)[0].secret == found.group(1)
    gone = submit(admin_client, page, {}, action=f"{page}/delete")
    assert gone.status_code == 302 and rows(app, WebhookEndpoint) == []
    events = [e.event for e in rows(app, AuditEvent)]
    assert events[-3:] == [
        "webhook_endpoint_changed",
        "webhook_secret_rotated",
        "webhook_endpoint_deleted",
    ]


def logged_delivery(app: Flask, endpoint_id: int, count: int = 1) -> int:
    """`count` deliveries that each failed once with a 500 and then got a 200; the last id."""
    with app.app_context():
        for _ in range(count):
            delivery = add_delivery(
                endpoint_id, "vacancy.closed", DeliveryStatus.DELIVERED, (500, 200)
            )
        db.session.commit()
        return delivery.id


def test_the_delivery_log_and_redeliver(app: Flask, admin_client: FlaskClient) -> None:
    register(admin_client)
    [endpoint] = rows(app, WebhookEndpoint)
    delivery_id = logged_delivery(app, endpoint.id)
    log = f"/admin/webhooks/{endpoint.id}/deliveries"
    page = admin_client.get(log)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "HTTP 500" in html and "HTTP 200" in html and "Delivered" in html
    action = f"{log}/{delivery_id}/redeliver"
    # Without the page's CSRF token the button does nothing.
    assert admin_client.post(action, data={}).status_code == 400
    done = admin_client.post(action, data={"csrf_token": csrf_token_from(html)})
    assert done.status_code == 302
    fresh = rows(app, WebhookDelivery, WebhookDelivery.id != delivery_id)
    assert [(d.manual, d.status) for d in fresh] == [(True, DeliveryStatus.PENDING)]
    audit = rows(app, AuditEvent, AuditEvent.event == "webhook_redelivered")
    assert len(audit) == 1 and f"delivery {fresh[0].id}" in audit[0].detail
    # Another endpoint's delivery id answers 404.
    other = admin_client.post(
        f"/admin/webhooks/{endpoint.id + 1}/deliveries/{delivery_id}/redeliver",
        data={"csrf_token": csrf_token_from(html)},
    )
    assert other.status_code == 404


def test_an_endpoint_whose_host_has_gone_can_still_be_switched_off(
    app: Flask, admin_client: FlaskClient
) -> None:
    """Saving an unchanged URL does not look it up again (every send checks it anyway)."""
    register(admin_client)
    gone = "https://no-such-host.invalid/hook"
    with app.app_context():
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        endpoint.url = gone  # its DNS name has lapsed since it was registered
        db.session.commit()
        page = f"/admin/webhooks/{endpoint.id}"
    off = submit(admin_client, page, {"url": gone, "events": ["application.submitted"]})
    assert off.status_code == 302
    [endpoint] = rows(app, WebhookEndpoint)
    assert endpoint.url == gone and not endpoint.active
    moved = submit(admin_client, page, {"url": gone + "2", "events": ["export.ready"]})
    assert moved.status_code == 400 and "could not be found" in moved.get_data(as_text=True)


def test_only_admins_reach_the_pages(app: Flask, client: FlaskClient, make: Factory) -> None:
    log_in(client, make.recruiter())
    assert client.get("/admin/webhooks").status_code == 403
    assert "Webhooks" not in client.get("/admin/tokens").get_data(as_text=True)


def test_the_log_pages_back(app: Flask, admin_client: FlaskClient) -> None:
    register(admin_client)
    [endpoint] = rows(app, WebhookEndpoint)
    logged_delivery(app, endpoint.id, count=51)
    log = f"/admin/webhooks/{endpoint.id}/deliveries"
    html = admin_client.get(log).get_data(as_text=True)
    older = re.search(r"before=(\d+)", html)
    assert older is not None and html.count('<h2 class="govuk-summary-card__title') == 50
    rest = admin_client.get(f"{log}?before={older.group(1)}").get_data(as_text=True)
    assert rest.count('<h2 class="govuk-summary-card__title') == 1
    assert admin_client.get(f"{log}?before=abc").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(WebhookEndpoint.id)) == endpoint.id
