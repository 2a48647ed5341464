"""The webhook API: admins' tokens only, problem+json errors, the secret once, idempotent POSTs,
the delivery log and redeliver."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from recruit.extensions import db
from recruit.models import DeliveryStatus, TokenScope, WebhookEndpoint
from testkit.factories import Factory
from tests.support.api import bearer, issue_token
from tests.support.rows import rows
from tests.support.webhooks import add_delivery

BODY = {"url": "https://93.184.215.14/hooks", "events": ["export.ready"], "description": "HR"}


def admin_token(app: Flask, make: Factory, scope: TokenScope = TokenScope.WRITE) -> str:
    """A token of a new admin."""
    return issue_token(app, make.admin(), scope)[1]


def test_create_read_update_rotate_delete(app: Flask, client: FlaskClient, make: Factory) -> None:
    auth = bearer(admin_token(app, make))
    made = client.post("/api/v1/webhooks", json=BODY, headers=auth)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    secret = body["secret"]
    assert secret.startswith("whsec_") and body["events"] == ["export.ready"]
    assert made.headers["Location"].endswith(f"/api/v1/webhooks/{body['id']}")
    one = client.get(f"/api/v1/webhooks/{body['id']}", headers=auth).get_json()
    assert "secret" not in one and one["secret_prefix"] == secret[:12]
    listed = client.get("/api/v1/webhooks", headers=auth).get_json()
    assert [e["id"] for e in listed["items"]] == [body["id"]] and secret not in str(listed)
    path = f"/api/v1/webhooks/{body['id']}"
    change = {"events": ["vacancy.closed", "export.ready"], "active": False}
    assert client.patch(path, json=change, headers=auth).status_code == 428
    stale = {**auth, "If-Match": '"0123"'}
    assert client.patch(path, json=change, headers=stale).status_code == 412
    etag = client.get(path, headers=auth).headers["ETag"]
    changed = client.patch(path, json=change, headers={**auth, "If-Match": etag})
    assert changed.status_code == 200
    assert changed.get_json()["events"] == ["export.ready", "vacancy.closed"]
    assert changed.get_json()["active"] is False
    rotated = client.post(f"/api/v1/webhooks/{body['id']}/rotate-secret", headers=auth)
    assert rotated.status_code == 200 and rotated.get_json()["secret"] != secret
    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=auth).status_code == 204
    missing = client.get(f"/api/v1/webhooks/{body['id']}", headers=auth)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"


def test_a_bad_url_is_a_422_problem_naming_the_field(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    auth = bearer(admin_token(app, make))
    for url in ("https://169.254.169.254/", "http://93.184.215.14/", "https://10.0.0.1/x"):
        answer = client.post("/api/v1/webhooks", json={**BODY, "url": url}, headers=auth)
        assert answer.status_code == 422, url
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert "url" in answer.get_json()["errors"]["json"]
    unknown = client.post("/api/v1/webhooks", json={**BODY, "events": ["nope"]}, headers=auth)
    assert unknown.status_code == 422
    assert rows(app, WebhookEndpoint) == []


def test_only_admins_and_writes_need_write_scope(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    recruiter = bearer(issue_token(app, make.recruiter(), TokenScope.WRITE)[1])
    answer = client.get("/api/v1/webhooks", headers=recruiter)
    assert answer.status_code == 403
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert client.post("/api/v1/webhooks", json=BODY, headers=recruiter).status_code == 403
    reader = bearer(admin_token(app, make, TokenScope.READ))
    assert client.get("/api/v1/webhooks", headers=reader).status_code == 200
    assert client.post("/api/v1/webhooks", json=BODY, headers=reader).status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 401
    assert rows(app, WebhookEndpoint) == []


def test_a_retried_create_makes_one_endpoint(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    auth = {**bearer(admin_token(app, make)), "Idempotency-Key": "create-hr-hook-1"}
    first = client.post("/api/v1/webhooks", json=BODY, headers=auth)
    again = client.post("/api/v1/webhooks", json=BODY, headers=auth)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert len(rows(app, WebhookEndpoint)) == 1


def seeded_delivery(app: Flask, endpoint_id: int) -> int:
    """A failed delivery with one 500 in its log."""
    with app.app_context():
        delivery = add_delivery(endpoint_id, "export.ready", DeliveryStatus.FAILED, (500,))
        db.session.commit()
        return delivery.id


def test_the_log_and_redeliver(app: Flask, client: FlaskClient, make: Factory) -> None:
    auth = bearer(admin_token(app, make))
    endpoint_id = client.post("/api/v1/webhooks", json=BODY, headers=auth).get_json()["id"]
    delivery_id = seeded_delivery(app, endpoint_id)
    log: dict[str, Any] = client.get(
        f"/api/v1/webhooks/{endpoint_id}/deliveries", headers=auth
    ).get_json()
    [item] = log["items"]
    assert item["status"] == "failed" and item["attempts"][0]["status_code"] == 500
    assert log["next_before"] is None
    path = f"/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"
    again = client.post(path, headers=auth)
    assert again.status_code == 202
    assert again.get_json()["redelivery"] is True and again.get_json()["status"] == "pending"
    assert client.post(path.replace(str(delivery_id), "999999"), headers=auth).status_code == 404
    bad = client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries?before=x", headers=auth)
    assert bad.status_code == 422
