"""Subject access (UK GDPR Art. 15): "Download my data", built by a real worker, emailed, audited.

A candidate asks from their account page; a `celery -A worker.main worker` process builds the
ZIP and the email arrives at an aiosmtpd server; the link needs the candidate's login, another
candidate gets 404, every download is recorded, and after 7 days the pack is gone (410). Admins
log requests received by post or email, with a one-month due date; overdue ones show on the
admin dashboard.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.formatting import UK
from recruit.models import ApplicationStatus, AuditEvent, utcnow
from recruit.models.privacy import (
    AccessChannel,
    AccessPackDownload,
    AccessRequest,
    AccessRequestStatus,
)
from recruit.privacy import access_requests
from testkit.factories import Factory
from testkit.forms import submit
from tests.conftest import AppFactory
from tests.support.accounts import log_in
from tests.support.privacy import open_pack
from tests.support.rows import rows, stored
from tests.support.smtp import SMTPServer, smtp_server
from tests.support.worker import redis_settings, running_worker, wait_until

LINK_RE = re.compile(r"http://recruit\.test(/\S+)")
STATEMENT = "I rebuilt the Derby skills partnership from nothing."


@pytest.fixture
def served(app_factory: AppFactory) -> Iterator[tuple[Flask, SMTPServer]]:
    """An app on its own Redis queue, sending mail to a real SMTP server."""
    with smtp_server() as smtp, redis_settings() as settings:
        yield app_factory(**settings, SMTP_URL=smtp.url), smtp


def seeded(make: Factory) -> SimpleNamespace:
    """A candidate with a submitted application and a CV, and a second candidate."""
    candidate = make.candidate(full_name="Priya Patel", email="priya@example.org")
    other = make.candidate(full_name="Owen Other", email="owen@example.org")
    vacancy = make.vacancy(recruiter_ids=(make.recruiter().id,))
    application = make.application(
        candidate.id, vacancy.id, ApplicationStatus.UNDER_REVIEW, STATEMENT
    )
    make.cv(application.id, b"%PDF-1.4 Priya's CV")
    return SimpleNamespace(candidate=candidate, other=other, application=application)


def ask_for_data(client: FlaskClient) -> int:
    """Press "Download my data" on the account page; return the request's id."""
    response = submit(client, "/account", action="/account/data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def build_now(app: Flask, request_id: int) -> None:
    """Claim, build and finish a request in this process, as the worker's task does."""
    with app.app_context():
        found = access_requests.claim(request_id)
        assert found is not None
        db.session.commit()
        path = access_requests.build(found)
        db.session.commit()
        access_requests.finish(found, path)
        db.session.commit()


def age(app: Flask, request_id: int, by: timedelta) -> None:
    """Move the pack's ready and expiry times back by `by`: the clock moves on by that much."""
    with app.app_context():
        found = db.session.get(AccessRequest, request_id)
        assert found is not None and found.ready_at and found.expires_at
        found.ready_at, found.expires_at = found.ready_at - by, found.expires_at - by
        db.session.commit()


@pytest.mark.integration
def test_candidate_downloads_their_data_built_by_a_real_worker(
    served: tuple[Flask, SMTPServer], tmp_path: Path
) -> None:
    app, smtp = served
    make = Factory(app)
    world = seeded(make)
    client = app.test_client()
    log_in(client, world.candidate)
    account = client.get("/account").get_data(as_text=True)
    assert "Download my data" in account and "Delete my account" in account
    with running_worker(app, tmp_path / "worker") as worker:
        request_id = ask_for_data(client)
        assert "preparing your data" in client.get(f"/account/data/{request_id}").text

        def ready() -> bool:
            return stored(app, AccessRequest, request_id).status is AccessRequestStatus.READY

        try:
            wait_until(ready, message="pack built")
        except AssertionError:
            raise AssertionError(f"pack not built; worker log:\n{worker.log()}") from None
        email = smtp.wait_for(lambda m: "/account/data/" in m.text)
    assert email.rcpt_tos == ["priya@example.org"]
    assert email.message["Subject"] == "A copy of your data is ready to download"
    link = LINK_RE.search(email.text)
    assert link is not None and link.group(1) == f"/account/data/{request_id}"
    # The link needs the candidate's login.
    stranger = app.test_client()
    assert "/login" in stranger.get(link.group(1)).headers["Location"]
    download = f"/account/data/{request_id}/download"
    assert "/login" in stranger.get(download).headers["Location"]
    # Another candidate gets 404 for the page and the file.
    log_in(stranger, world.other)
    assert stranger.get(link.group(1)).status_code == 404
    assert stranger.get(download).status_code == 404
    # The owner downloads it: the real ZIP, with their statement and CV.
    page = client.get(link.group(1)).get_data(as_text=True)
    assert download in page
    response = client.get(download)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    pack = open_pack(response.data)
    assert {"summary.html", "data.json"} <= set(pack.names)
    assert pack.data["applications"][0]["statement"] == STATEMENT
    assert list(pack.files.values()) == [b"%PDF-1.4 Priya's CV"]
    assert "Owen Other" not in pack.text
    # Every download is audited, in its own table and in the audit trail.
    downloads = rows(app, AccessPackDownload, AccessPackDownload.request_id == request_id)
    assert [d.user_id for d in downloads] == [world.candidate.id]
    events = rows(app, AuditEvent, AuditEvent.event == "access_pack_downloaded")
    assert [(e.actor_id, e.subject_user_id) for e in events] == [
        (world.candidate.id, world.candidate.id)
    ]


def test_asking_twice_while_it_builds_makes_one_request(app: Flask, make: Factory) -> None:
    world = seeded(make)
    client = app.test_client()
    log_in(client, world.candidate)
    first, second = ask_for_data(client), ask_for_data(client)
    assert first == second
    (found,) = rows(app, AccessRequest)
    assert (found.channel, found.requested_by_id) == (AccessChannel.ONLINE, world.candidate.id)
    assert found.due_at - found.received_at == timedelta(days=30)


def test_asking_again_within_the_hour_of_a_ready_pack_reuses_it(app: Flask, make: Factory) -> None:
    world = seeded(make)
    client = app.test_client()
    log_in(client, world.candidate)
    first = ask_for_data(client)
    build_now(app, first)
    assert ask_for_data(client) == first  # a burst of clicks builds one pack, sends one email
    with app.app_context():
        found = db.session.get(AccessRequest, first)
        assert found is not None
        found.created_at -= timedelta(hours=1, minutes=1)
        db.session.commit()
    later = ask_for_data(client)
    assert later != first
    assert len(rows(app, AccessRequest)) == 2


def test_the_pack_expires_after_seven_days(app: Flask, make: Factory) -> None:
    world = seeded(make)
    client = app.test_client()
    log_in(client, world.candidate)
    request_id = ask_for_data(client)
    build_now(app, request_id)
    found = stored(app, AccessRequest, request_id)
    assert found.expires_at is not None and found.ready_at is not None
    assert found.expires_at - found.ready_at == timedelta(days=7)
    pack_file = access_path(app, found)
    assert pack_file.is_file()
    download = f"/account/data/{request_id}/download"
    # A minute before the seventh day ends, it still downloads.
    age(app, request_id, timedelta(days=7) - timedelta(minutes=1))
    response = client.get(download)
    response.close()
    assert response.status_code == 200
    # A minute after, it is gone: a clear 410 page, and the sweep deletes the file.
    age(app, request_id, timedelta(minutes=2))
    response = client.get(download)
    assert response.status_code == 410
    assert "This copy of your data has expired" in response.text
    assert "ask for a new copy" in response.text
    with app.app_context():
        assert access_requests.expire_due() == 1
        db.session.commit()
    assert not pack_file.exists()
    assert stored(app, AccessRequest, request_id).status is AccessRequestStatus.EXPIRED
    assert client.get(download).status_code == 410
    assert len(rows(app, AccessPackDownload)) == 1  # only the download that worked


def access_path(app: Flask, found: AccessRequest) -> Path:
    """Where a built pack is on disk."""
    assert found.file_name is not None
    return Path(app.config["EXPORT_DIR"]) / "access-packs" / found.file_name


def received_form(email: str, when: datetime, channel: str = "post") -> dict[str, str]:
    """The admin's form for a request received on `when`'s UK date."""
    day = when.astimezone(UK)
    return {
        "email": email,
        "channel": channel,
        "received_day": str(day.day),
        "received_month": str(day.month),
        "received_year": str(day.year),
    }


def test_admin_logs_a_postal_request_with_a_one_month_due_date(app: Flask, make: Factory) -> None:
    world = seeded(make)
    admin = make.admin(full_name="Ada Admin")
    client = app.test_client()
    log_in(client, admin)
    ten_days_ago = utcnow() - timedelta(days=10)
    form = received_form("PRIYA@example.org", ten_days_ago)
    response = submit(client, "/admin/access-requests", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    (found,) = rows(app, AccessRequest)
    local = ten_days_ago.astimezone(UK)
    midnight = datetime(local.year, local.month, local.day, tzinfo=UK).astimezone(UTC)
    assert (found.user_id, found.requested_by_id) == (world.candidate.id, admin.id)
    assert found.channel is AccessChannel.POST and found.status is AccessRequestStatus.QUEUED
    assert (found.received_at, found.due_at) == (midnight, midnight + timedelta(days=30))
    listing = client.get("/admin/access-requests").get_data(as_text=True)
    assert "Priya Patel" in listing and "By post" in listing and "Overdue" not in listing
    events = rows(app, AuditEvent, AuditEvent.event == "access_request_received")
    assert [(e.actor_id, e.subject_user_id) for e in events] == [(admin.id, world.candidate.id)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "nobody@example.org"}, "No account uses this email address"),
        ({"received_year": str(datetime.now(UK).year + 1)}, "today or in the past"),
        ({"received_day": "31", "received_month": "2"}, "must be a real date"),
        ({"received_year": "26"}, "Enter the year in full"),
        ({"received_day": "٣"}, "digits 0 to 9"),
        ({"channel": "pigeon"}, "Not a valid choice"),
    ],
)
def test_admin_form_refuses_bad_input(
    app: Flask, make: Factory, change: dict[str, str], message: str
) -> None:
    seeded(make)
    client = app.test_client()
    log_in(client, make.admin())
    form = {**received_form("priya@example.org", utcnow()), **change}
    response = submit(client, "/admin/access-requests", form)
    assert response.status_code == 400
    assert message in response.text
    assert rows(app, AccessRequest) == []


def test_overdue_requests_show_on_the_admin_dashboard_only(app: Flask, make: Factory) -> None:
    world = seeded(make)
    admin, recruiter = make.admin(), make.recruiter()
    client = app.test_client()
    log_in(client, admin)
    late = received_form("priya@example.org", utcnow() - timedelta(days=31), channel="email")
    assert submit(client, "/admin/access-requests", late).status_code == 302
    on_time = received_form("owen@example.org", utcnow() - timedelta(days=3))
    assert submit(client, "/admin/access-requests", on_time).status_code == 302
    overdue_id, fresh_id = (r.id for r in rows(app, AccessRequest))
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "1 request is overdue" in dashboard
    assert f"Request {overdue_id}:" in dashboard and f"Request {fresh_id}:" not in dashboard
    # Once its pack is built, it is answered: no longer overdue.
    build_now(app, overdue_id)
    assert "No request is overdue" in client.get("/admin/").get_data(as_text=True)
    # The admin downloads it to send on; that download is audited with the admin's id.
    response = client.get(f"/admin/access-requests/{overdue_id}/download")
    response.close()
    assert response.status_code == 200
    downloads = rows(app, AccessPackDownload)
    assert [(d.request_id, d.user_id) for d in downloads] == [(overdue_id, admin.id)]
    # Recruiters see no such panel, and may not open the page.
    staff = app.test_client()
    log_in(staff, recruiter)
    assert "Subject access requests" not in staff.get("/admin/").get_data(as_text=True)
    assert staff.get("/admin/access-requests").status_code == 403
    assert world.candidate.id in {r.user_id for r in rows(app, AccessRequest)}


def test_account_page_is_linked_from_the_header_for_candidates(app: Flask, make: Factory) -> None:
    client = app.test_client()
    log_in(client, make.candidate())
    page = client.get("/applications").get_data(as_text=True)
    assert 'href="/account"' in page
    staff = app.test_client()
    log_in(staff, make.recruiter())
    assert 'href="/account"' not in staff.get("/admin/").get_data(as_text=True)


def test_every_pack_download_before_expiry_is_recorded(app: Flask, make: Factory) -> None:
    world = seeded(make)
    client = app.test_client()
    log_in(client, world.candidate)
    request_id = ask_for_data(client)
    build_now(app, request_id)
    for _ in range(2):
        response = client.get(f"/account/data/{request_id}/download")
        response.close()
        assert response.status_code == 200
    with app.app_context():
        count = db.session.scalars(select(AccessPackDownload.id)).all()
    assert len(count) == 2


def test_the_beat_sweep_expires_old_packs_and_republishes_lost_builds(
    app: Flask, make: Factory
) -> None:
    from worker.privacy_tasks import sweep

    world = seeded(make)
    old = make.access_pack(world.candidate.id, expires_in=-timedelta(minutes=1))
    fresh = make.access_pack(world.candidate.id)
    with app.app_context():
        lost = AccessRequest(
            user_id=world.other.id,
            channel=AccessChannel.ONLINE,
            received_at=utcnow(),
            due_at=utcnow() + timedelta(days=30),
            created_at=utcnow() - timedelta(minutes=10),
        )
        db.session.add(lost)
        db.session.commit()
        lost_id = lost.id
        assert sweep() == "swept: 1 expired, 0 forgotten, 1 republished"
    assert stored(app, AccessRequest, old.id).status is AccessRequestStatus.EXPIRED
    assert stored(app, AccessRequest, fresh.id).status is AccessRequestStatus.READY
    assert stored(app, AccessRequest, lost_id).status is AccessRequestStatus.QUEUED
    packs = Path(app.config["EXPORT_DIR"]) / "access-packs"
    assert sorted(p.name for p in packs.glob("*.zip")) == [f"access-pack-{fresh.id}.zip"]


@pytest.mark.parametrize("days", [7, 3])
def test_the_pages_quote_the_configured_pack_lifetime(app_factory: AppFactory, days: int) -> None:
    app = app_factory(ACCESS_PACK_DAYS=days)
    make = Factory(app)
    world = seeded(make)
    expired = make.access_pack(world.candidate.id, expires_in=-timedelta(minutes=1))
    candidate = app.test_client()
    log_in(candidate, world.candidate)
    account = candidate.get("/account").get_data(as_text=True)
    assert f"it is deleted after {days} days" in account
    gone = candidate.get(f"/account/data/{expired.id}/download")
    assert gone.status_code == 410
    assert f"can be downloaded for {days} days after it is ready" in gone.text
    admin = app.test_client()
    log_in(admin, make.admin())
    gone = admin.get(f"/admin/access-requests/{expired.id}/download")
    assert gone.status_code == 410
    assert f"Packs can be downloaded for {days} days after they are built" in gone.text
    assert days == 7 or "7 days" not in account + gone.text
