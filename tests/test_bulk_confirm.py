"""Every bulk rejection is confirmed first: what will happen, to how many people, and Cancel."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from recruit.models import Application
from recruit.models import ApplicationStatus as S
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import log_in
from tests.support.rows import outbox, stored


def test_moving_to_unsuccessful_asks_first_then_moves_and_emails(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy(title="Head of Trade")
    names = ("Ada Ahmed", "Bo Brown")
    apps = [make.application(make.candidate(full_name=n).id, vacancy.id) for n in names]
    appointed = make.application(make.candidate(full_name="Cy Cole").id, vacancy.id, S.APPOINTED)
    log_in(client, make.team_recruiter(vacancy.id))
    board = f"/admin/vacancies/{vacancy.id}/applications?sort=newest"
    ids = [str(a.id) for a in [*apps, appointed]]
    form = {"application_ids": ids, "vacancy_id": str(vacancy.id), "back": "sort=newest"}
    form |= {"action": "move", "to_status": "unsuccessful"}
    response = submit(client, board, form, action="/admin/applications/bulk")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Mark 2 applications unsuccessful?" in page
    assert "2 people will be moved to unsuccessful" in page
    assert "“Update on your application for Head of Trade” (2 emails)" in page
    assert "<li>Ada Ahmed</li>" in page and "<li>Bo Brown</li>" in page
    assert "Cy Cole: An application that is appointed cannot be rejected" in page
    assert f'href="/admin/vacancies/{vacancy.id}/applications?sort=newest">Cancel</a>' in page
    assert all(stored(app, Application, a.id).status is S.SUBMITTED for a in apps), "not yet"
    assert outbox(app, "status_changed") == []

    confirm = {"csrf_token": csrf_token_from(page), **form, "confirmed": "yes"}
    response = client.post("/admin/applications/bulk", data=confirm)
    assert response.status_code == 302
    assert all(stored(app, Application, a.id).status is S.UNSUCCESSFUL for a in apps)
    assert stored(app, Application, appointed.id).status is S.APPOINTED
    assert len(outbox(app, "status_changed")) == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 applications moved to unsuccessful." in page


def test_a_card_moved_to_unsuccessful_is_confirmed_and_cancel_returns_to_the_board(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    application = make.application(make.candidate(full_name="Dee Day").id, vacancy.id)
    log_in(client, make.team_recruiter(vacancy.id))
    form = {
        "application_ids": str(application.id),
        "vacancy_id": str(vacancy.id),
        "return_to": "board",
        "action": "move",
        "to_status": "unsuccessful",
    }
    board = f"/admin/vacancies/{vacancy.id}/board"
    page = submit(client, board, form, action="/admin/applications/bulk").get_data(as_text=True)
    assert "Mark 1 application unsuccessful?" in page and "1 person will be moved" in page
    assert f'href="{board}">Cancel</a>' in page
    assert '<input type="hidden" name="return_to" value="board">' in page
    assert stored(app, Application, application.id).status is S.SUBMITTED


def test_the_unsuccessful_email_page_says_who_and_how_many_with_cancel(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    ok = make.application(make.candidate(full_name="Eve Ellis").id, vacancy.id, S.UNDER_REVIEW)
    done = make.application(make.candidate(full_name="Fay Ford").id, vacancy.id, S.APPOINTED)
    log_in(client, make.team_recruiter(vacancy.id))
    board = f"/admin/vacancies/{vacancy.id}/applications"
    form = {"application_ids": [str(ok.id), str(done.id)], "vacancy_id": str(vacancy.id)}
    response = submit(
        client, board, {**form, "action": "unsuccessful"}, action="/admin/applications/bulk"
    )
    page = response.get_data(as_text=True)
    assert "Mark 1 application unsuccessful" in page
    assert "1 person will be moved to unsuccessful and each sent the email below (1 email)" in page
    assert "<li>Eve Ellis</li>" in page and "Fay Ford: An application that is appointed" in page
    assert f'href="{board}">Cancel</a>' in page
    assert "Mark 1 unsuccessful and send 1 email" in page
