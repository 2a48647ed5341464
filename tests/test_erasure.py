"""Erasure (UK GDPR Art. 17): "Delete my account" asks for the password, then forgets the person.

The right password withdraws open applications, purges the rest (drafts, statements, evidence,
files) but keeps the counts, ends every session, turns the account into a tombstone and queues
one last email. An appointed candidate is told what is kept, and it is kept.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    OutboxMessage,
    OutboxStatus,
    StoredFile,
    User,
    WebSession,
)
from recruit.models.privacy import AccessRequest, AccessRequestStatus
from recruit.privacy import access_requests
from recruit.privacy.erasure import forget_sent_emails
from testkit.factories import Factory
from testkit.forms import submit
from tests.conftest import AppFactory
from tests.support.accounts import log_in, try_login
from tests.support.rows import all_rows, outbox, rows, stored

S = ApplicationStatus
TOTAL_RE = re.compile(r"(\d+) in total")


def dashboard_totals(app: Flask, admin: SimpleNamespace) -> list[str]:
    """The "N in total" counts an admin's dashboard shows, vacancy by vacancy."""
    client = app.test_client()
    log_in(client, admin)
    return TOTAL_RE.findall(client.get("/admin/").get_data(as_text=True))


def seeded(app: Flask, make: Factory) -> SimpleNamespace:
    """A candidate with an open, a finished and a draft application, CVs, a pack and an email."""
    person = make.candidate(full_name="Ffion Forgetme", email="ffion@example.org")
    recruiter = make.recruiter()
    vacancies = [make.vacancy(title=t, recruiter_ids=(recruiter.id,)) for t in ("A", "B", "C")]
    open_one = make.application(person.id, vacancies[0].id, S.SHORTLISTED, "Open statement")
    done = make.application(person.id, vacancies[1].id, S.UNSUCCESSFUL, "Done statement")
    draft = make.application(person.id, vacancies[2].id, S.DRAFT, "Draft statement")
    others = [make.application(make.candidate().id, v.id, S.SUBMITTED) for v in vacancies]
    cvs = [make.cv(a.id, f"%PDF-1.4 cv {a.id}".encode()) for a in (open_one, draft)]
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user is not None
        found = access_requests.request_pack(user, user)
        db.session.commit()
        request_id = found.id
        db.session.add(
            OutboxMessage(
                template="status_changed",
                recipient=person.email,
                payload={"full_name": person.full_name, "application_url": "http://x"},
                status=OutboxStatus.SENT,
            )
        )
        db.session.commit()
    with app.app_context():
        found = access_requests.claim(request_id)
        assert found is not None
        access_requests.finish(found, access_requests.build(found))
        db.session.commit()
    return SimpleNamespace(
        person=person,
        recruiter=recruiter,
        applications=[open_one, done, draft],
        others=others,
        files=[Path(app.config["UPLOAD_DIR"]) / cv.storage_key for cv in cvs],
        pack=Path(app.config["EXPORT_DIR"]) / "access-packs" / f"access-pack-{request_id}.zip",
        request_id=request_id,
    )


def delete(client: FlaskClient, password: str) -> object:
    """Fill in the delete-account form."""
    return submit(client, "/account/delete", {"password": password})


def test_the_wrong_password_is_refused_and_nothing_changes(app: Flask, make: Factory) -> None:
    world = seeded(app, make)
    client = app.test_client()
    log_in(client, world.person)
    before = all_rows(app)
    response = delete(client, "not my password at all")
    assert response.status_code == 400  # type: ignore[attr-defined]
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "There is a problem" in page and "The password is not right" in page
    assert all_rows(app) == before
    assert client.get("/account").status_code == 200  # still logged in
    assert all(f.is_file() for f in [*world.files, world.pack])
    empty = submit(client, "/account/delete", {"password": ""})
    assert empty.status_code == 400 and "Enter your password" in empty.text
    assert all_rows(app) == before


def test_deleting_the_account_forgets_the_person_and_keeps_the_counts(
    app: Flask, make: Factory
) -> None:
    world = seeded(app, make)
    admin = make.admin()
    totals = dashboard_totals(app, admin)
    client, elsewhere = app.test_client(), app.test_client()
    log_in(client, world.person)
    log_in(elsewhere, world.person)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "any application still open is withdrawn" in page and "appointed" not in page
    response = delete(client, world.person.password)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Your account has been deleted" in response.text  # type: ignore[attr-defined]
    # Every session has ended, and the old email and password log nobody in.
    for browser in (client, elsewhere):
        assert "/login" in browser.get("/account").headers["Location"]
    assert (
        try_login(app.test_client(), world.person.email, world.person.password).status_code == 400
    )
    assert rows(app, WebSession, WebSession.user_id == world.person.id) == []
    # A tombstone: the row stays so the counts stay right, but it names nobody.
    tomb = stored(app, User, world.person.id)
    assert tomb.email.endswith("@erased.invalid") and tomb.full_name == "Erased account"
    assert tomb.is_disabled and tomb.erased_at is not None and tomb.email_verified_at is None
    assert not tomb.password_hash.startswith("$argon2")
    assert tomb.session_generation == 1
    # Applications, drafts, statements and files are gone, from the database and the disk.
    assert rows(app, Application, Application.candidate_id == world.person.id) == []
    assert rows(app, StoredFile, StoredFile.owner_id == world.person.id) == []
    assert not any(f.exists() for f in [*world.files, world.pack])
    assert len(rows(app, Application)) == len(world.others)  # nobody else's
    found = stored(app, AccessRequest, world.request_id)
    assert found.status is AccessRequestStatus.EXPIRED and found.file_name is None
    # The admin dashboard's counts are unchanged.
    assert dashboard_totals(app, admin) == totals
    # One last email is queued to the address; the only place it and the name still live.
    (last,) = outbox(app, "account_erased")
    assert last.recipient == "ffion@example.org" and last.status is OutboxStatus.PENDING
    # It tells them whom to write to if they did not ask for this.
    dpo = "dpo@midlandsengine.example"
    assert last.payload == {"full_name": "Ffion Forgetme", "kept": [], "dpo_email": dpo}
    (earlier,) = outbox(app, "status_changed")
    assert earlier.recipient == "" and earlier.payload == {}
    assert where_found(app, "ffion@example.org") == ["outbox"]
    assert where_found(app, "Ffion Forgetme") == ["outbox"]
    assert where_found(app, "Open statement") == where_found(app, "Draft statement") == []
    events = rows(app, AuditEvent, AuditEvent.event == "account_erased")
    assert [e.subject_user_id for e in events] == [world.person.id]
    # Once the email has gone, the sweep forgets the address too.
    with app.app_context():
        db.session.get(OutboxMessage, last.id).status = OutboxStatus.SENT  # type: ignore[union-attr]
        db.session.commit()
        assert forget_sent_emails() == 1
        db.session.commit()
    assert where_found(app, "ffion@example.org") == []
    assert where_found(app, "Ffion") == []


def where_found(app: Flask, text: str) -> list[str]:
    """The tables in which `text` appears in any column."""
    return sorted(
        table for table, found in all_rows(app).items() if any(text in repr(r) for r in found)
    )


def test_an_appointed_candidate_is_told_what_is_kept_and_it_is_kept(
    app: Flask, make: Factory
) -> None:
    person = make.candidate(full_name="Hana Hired")
    recruiter = make.recruiter()
    hired_at = make.vacancy(title="Director of Trade", recruiter_ids=(recruiter.id,))
    offered = make.vacancy(title="Head of Ports", recruiter_ids=(recruiter.id,))
    appointed = make.application(person.id, hired_at.id, S.APPOINTED, "Appointed statement")
    offer = make.application(person.id, offered.id, S.OFFER, "Offer statement")
    cv = make.cv(appointed.id, b"%PDF-1.4 hired cv")
    client = app.test_client()
    log_in(client, person)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "Because you were appointed, we keep these records" in page
    assert f"Director of Trade (APP-{appointed.id:06d})" in page
    assert "record of your appointment" in page and "Head of Ports" not in page
    response = delete(client, person.password)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Director of Trade" in response.text  # type: ignore[attr-defined]
    kept = rows(app, Application, Application.candidate_id == person.id)
    assert [(a.id, a.status, a.statement) for a in kept] == [
        (appointed.id, S.APPOINTED, "Appointed statement")
    ]
    assert stored(app, Application, appointed.id).cv_file_id == cv.id
    assert (Path(app.config["UPLOAD_DIR"]) / cv.storage_key).is_file()
    assert rows(app, Application, Application.id == offer.id) == []  # an offer is withdrawn
    (last,) = outbox(app, "account_erased")
    assert len(last.payload["kept"]) == 1 and "Director of Trade" in last.payload["kept"][0]
    assert stored(app, User, person.id).full_name == "Erased account"


def test_guessing_the_password_on_the_delete_page_is_rate_limited(
    app_factory: AppFactory,
) -> None:
    app = app_factory(RATELIMIT_PER_ADDRESS=3)
    person = Factory(app).candidate()
    client = app.test_client()
    log_in(client, person)
    answers = [delete(client, f"guess number {n}").status_code for n in range(4)]  # type: ignore[attr-defined]
    assert answers == [400, 400, 400, 429]
    refused = delete(client, person.password)
    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert stored(app, User, person.id).erased_at is None


def test_a_pack_built_after_the_account_was_erased_is_not_kept(app: Flask, make: Factory) -> None:
    person = make.candidate()
    client = app.test_client()
    log_in(client, person)
    asked = submit(client, "/account", action="/account/data")
    assert asked.status_code == 302
    (queued,) = rows(app, AccessRequest)
    assert delete(client, person.password).status_code == 200  # type: ignore[attr-defined]
    with app.app_context():  # the worker gets to it only now
        found = access_requests.claim(queued.id)
        assert found is not None
        access_requests.finish(found, access_requests.build(found))
        db.session.commit()
    after = stored(app, AccessRequest, queued.id)
    assert after.status is AccessRequestStatus.EXPIRED and after.file_name is None
    assert list((Path(app.config["EXPORT_DIR"]) / "access-packs").glob("*.zip")) == []
    assert outbox(app, "access_pack_ready") == []
