"""Hiring teams: only a vacancy's recruiters and panel (and admins) may act on its applications.

A recruiter outside the team still sees the vacancy, but every page that reads or changes one of
its applications answers 403 with a page naming who to ask. Admins keep full access, and each
access to a team they are not on is written to the audit trail. The team page adds and removes
recruiters and panel members, and never lets the last recruiter go.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationNote,
    ApplicationStatus,
    AuditEvent,
    ExportJob,
    IdentityReveal,
    PanelAssignment,
    Score,
    User,
    Vacancy,
    VacancyRecruiter,
    VacancyStatus,
)
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.conftest import AppFactory
from tests.support.accounts import log_in
from tests.support.logs import AppLog
from tests.support.rows import rows, stored
from tests.support.vacancies import vacancy_form

S = ApplicationStatus
ADMIN_ACCESS = "admin_application_access"


@pytest.fixture
def app(app_factory: AppFactory) -> Flask:
    """An app that logs JSON lines, so audit log lines can be read back."""
    return app_factory(LOG_JSON=True)


def team_of(app: Flask, vacancy_id: int) -> list[int]:
    """The user ids of the vacancy's team recruiters, as stored."""
    with app.app_context():
        query = select(VacancyRecruiter.user_id).where(VacancyRecruiter.vacancy_id == vacancy_id)
        return sorted(db.session.scalars(query))


def audit_events(app: Flask) -> list[AuditEvent]:
    """The admin-access audit events, oldest first."""
    return rows(app, AuditEvent, AuditEvent.event == ADMIN_ACCESS)


def token(client: FlaskClient) -> str:
    """A CSRF token from one of the signed-in user's own pages."""
    return csrf_token_from(client.get("/admin/").get_data(as_text=True))


def setting(make: Factory) -> SimpleNamespace:
    """V1 run by Rosa (team) with Pat on its panel; Omar runs only V2; an application on each."""
    rosa = make.recruiter(full_name="Rosa Runner")
    omar = make.recruiter(full_name="Omar Outsider")
    pat = make.panel_member(full_name="Pat Panellist")
    v1 = make.vacancy(title="Director of Connectivity", recruiter_ids=(rosa.id,))
    v2 = make.vacancy(title="Head of Energy", recruiter_ids=(omar.id,))
    make.assign_panel(v1.id, pat.id)
    carys = make.candidate(full_name="Carys Candidate")
    a1 = make.application(carys.id, v1.id, S.UNDER_REVIEW)
    a2 = make.application(make.candidate(full_name="Dewi Other").id, v2.id, S.UNDER_REVIEW)
    return SimpleNamespace(rosa=rosa, omar=omar, pat=pat, v1=v1, v2=v2, carys=carys, a1=a1, a2=a2)


def application_routes(s: SimpleNamespace) -> list[tuple[str, str]]:
    """Every page that reads or changes V1's application or lists V1's applications."""
    a, v = s.a1.id, s.v1.id
    return [
        ("GET", f"/admin/vacancies/{v}/applications"),
        ("GET", f"/admin/applications/{a}"),
        ("GET", f"/admin/applications/{a}/cv"),
        ("GET", f"/admin/applications/{a}/score"),
        ("POST", f"/admin/applications/{a}/score"),
        ("GET", f"/admin/applications/{a}/moderate"),
        ("POST", f"/admin/applications/{a}/moderate"),
        ("POST", f"/admin/applications/{a}/move"),
        ("POST", f"/admin/applications/{a}/notes"),
        ("POST", f"/admin/applications/{a}/reveal"),
        ("GET", f"/admin/vacancies/{v}/exports"),
        ("POST", f"/admin/vacancies/{v}/exports"),
        ("GET", f"/admin/vacancies/{v}/team"),
        ("POST", f"/admin/vacancies/{v}/team/recruiters"),
        ("POST", f"/admin/vacancies/{v}/panel"),
    ]


def test_a_recruiter_outside_the_team_sees_the_vacancy_but_not_its_applications(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    log_in(client, s.omar)
    listed = client.get("/admin/vacancies").get_data(as_text=True)
    assert "Director of Connectivity" in listed
    page = client.get(f"/admin/vacancies/{s.v1.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "You are not on this vacancy's hiring team" in html
    assert "ask Rosa Runner or an administrator" in html
    assert "Manage the hiring team" not in html

    data = {
        "csrf_token": token(client),
        "to_status": "shortlisted",
        "note": "n",
        "body": "A note",
        "reason": "Conflict",
        "recruiter_id": str(s.omar.id),
        "user_id": str(s.pat.id),
        "fmt": "csv",
        "which": "all",
        "stage": "",
    }
    for method, url in application_routes(s):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, f"{method} {url} answered {response.status_code}"
        body = response.get_data(as_text=True)
        assert "You are not on the hiring team for Director of Connectivity" in body, url
        assert "Rosa Runner" in body, f"{url}: the page must name who to ask"
        assert "Carys Candidate" not in body
    assert stored(app, Application, s.a1.id).status is S.UNDER_REVIEW
    assert rows(app, ApplicationNote) == [] and rows(app, IdentityReveal) == []
    assert rows(app, Score) == [] and rows(app, ExportJob) == []
    assert team_of(app, s.v1.id) == [s.rosa.id]


def test_with_no_active_team_recruiter_the_page_says_ask_an_administrator(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    with app.app_context():
        rosa = db.session.get(User, s.rosa.id)
        assert rosa is not None
        rosa.is_disabled = True
        db.session.commit()
    log_in(client, s.omar)
    response = client.get(f"/admin/applications/{s.a1.id}")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "To be added to the hiring team, ask an administrator." in html
    assert "Rosa Runner" not in html


def test_the_team_and_its_panel_open_the_applications(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    log_in(client, s.rosa)
    assert client.get(f"/admin/applications/{s.a1.id}").status_code == 200
    assert client.get(f"/admin/vacancies/{s.v1.id}/applications").status_code == 200
    assert client.get(f"/admin/applications/{s.a2.id}").status_code == 403
    panel = app.test_client()
    log_in(panel, s.pat)
    assert panel.get(f"/admin/applications/{s.a1.id}").status_code == 200
    # Off the panel, the application does not exist for them (404, as before).
    assert panel.get(f"/admin/applications/{s.a2.id}").status_code == 404


def test_lists_show_only_the_teams_applications(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    log_in(client, s.omar)
    board = client.get("/admin/applications").get_data(as_text=True)
    assert f'/admin/applications/{s.a2.id}"' in board
    assert f'/admin/applications/{s.a1.id}"' not in board
    assert "1 application" in board
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "Head of Energy" in dashboard and "Director of Connectivity" not in dashboard


def test_bulk_actions_refuse_applications_outside_the_team(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    log_in(client, s.omar)
    mixed = {"application_ids": [s.a2.id, s.a1.id], "action": "shortlist"}
    for url, extra in (
        ("/admin/applications/bulk", {}),
        ("/admin/applications/bulk/unsuccessful", {"subject": "Sorry", "body": "Dear {name}"}),
    ):
        response = submit(client, "/admin/applications", {**mixed, **extra}, action=url)
        assert response.status_code == 403, url
        assert "Rosa Runner" in response.get_data(as_text=True)
    assert not stored(app, Application, s.a1.id).on_shortlist
    assert not stored(app, Application, s.a2.id).on_shortlist
    assert stored(app, Application, s.a1.id).status is S.UNDER_REVIEW
    # Naming V1 as the board the action came from is refused the same way.
    own = {"application_ids": [s.a2.id], "action": "shortlist", "vacancy_id": s.v1.id}
    response = submit(client, "/admin/applications", own, action="/admin/applications/bulk")
    assert response.status_code == 403
    # Their own team's application alone goes ahead.
    own = {"application_ids": [s.a2.id], "action": "shortlist"}
    response = submit(client, "/admin/applications", own, action="/admin/applications/bulk")
    assert response.status_code == 302
    assert stored(app, Application, s.a2.id).on_shortlist


def test_a_team_recruiter_adds_and_removes_recruiters(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    log_in(client, s.rosa)
    vacancy_page = client.get(f"/admin/vacancies/{s.v1.id}").get_data(as_text=True)
    assert "Manage the hiring team" in vacancy_page and "Pat Panellist" in vacancy_page
    url = f"/admin/vacancies/{s.v1.id}/team"
    page = client.get(url).get_data(as_text=True)
    assert "Hiring team for Director of Connectivity" in page
    assert "Omar Outsider" in page  # offered
    response = submit(client, url, {"recruiter_id": str(s.omar.id)}, action=f"{url}/recruiters")
    assert response.status_code == 302
    assert team_of(app, s.v1.id) == sorted([s.rosa.id, s.omar.id])

    omar = app.test_client()
    log_in(omar, s.omar)
    assert omar.get(f"/admin/applications/{s.a1.id}").status_code == 200
    assert omar.get(url).status_code == 200, "a team recruiter manages the team"

    # A candidate or a panel member is not a recruiter, and an unknown id is nobody.
    for bad in (str(s.carys.id), str(s.pat.id), "999999", "x"):
        response = submit(client, url, {"recruiter_id": bad}, action=f"{url}/recruiters")
        assert response.status_code == 400, bad
    assert team_of(app, s.v1.id) == sorted([s.rosa.id, s.omar.id])

    response = submit(client, url, {"user_id": str(s.omar.id)}, action=f"{url}/recruiters/remove")
    assert response.status_code == 302
    assert team_of(app, s.v1.id) == [s.rosa.id]
    assert omar.get(f"/admin/applications/{s.a1.id}").status_code == 403


def test_the_last_recruiter_cannot_be_removed(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    log_in(client, s.rosa)
    url = f"/admin/vacancies/{s.v1.id}/team"
    response = submit(client, url, {"user_id": str(s.rosa.id)}, action=f"{url}/recruiters/remove")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "A hiring team must keep at least one recruiter" in html
    assert "govuk-error-summary" in html
    assert team_of(app, s.v1.id) == [s.rosa.id]


def test_removing_yourself_leaves_the_team_and_its_applications(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    make_admin_added = make.recruiter(full_name="Second Recruiter")
    with app.app_context():
        db.session.add(VacancyRecruiter(vacancy_id=s.v1.id, user_id=make_admin_added.id))
        db.session.commit()
    log_in(client, s.rosa)
    url = f"/admin/vacancies/{s.v1.id}/team"
    response = submit(client, url, {"user_id": str(s.rosa.id)}, action=f"{url}/recruiters/remove")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/vacancies/{s.v1.id}")
    assert team_of(app, s.v1.id) == [make_admin_added.id]
    assert client.get(f"/admin/applications/{s.a1.id}").status_code == 403


def test_the_team_page_manages_the_panel(app: Flask, client: FlaskClient, make: Factory) -> None:
    s = setting(make)
    grace = make.panel_member(full_name="Grace Adeyemi")
    log_in(client, s.rosa)
    url = f"/admin/vacancies/{s.v1.id}/team"
    old = client.get(f"/admin/vacancies/{s.v1.id}/panel")
    assert old.status_code == 301 and old.headers["Location"].endswith(url)
    response = submit(
        client, url, {"user_id": str(grace.id)}, action=f"/admin/vacancies/{s.v1.id}/panel"
    )
    assert response.status_code == 302
    grace_client = app.test_client()
    log_in(grace_client, grace)
    assert grace_client.get(f"/admin/applications/{s.a1.id}").status_code == 200
    response = submit(
        client, url, {"user_id": str(grace.id)}, action=f"/admin/vacancies/{s.v1.id}/panel/remove"
    )
    assert response.status_code == 302
    assert grace_client.get(f"/admin/applications/{s.a1.id}").status_code == 404
    panel = rows(app, PanelAssignment, PanelAssignment.vacancy_id == s.v1.id)
    assert [p.user_id for p in panel] == [s.pat.id]


def test_a_recruiter_outside_the_team_cannot_change_it(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    log_in(client, s.omar)
    url = f"/admin/vacancies/{s.v1.id}/team"
    response = client.get(url)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Only an administrator or one of this vacancy's recruiters" in html
    assert "Rosa Runner" in html
    data = {"csrf_token": token(client), "recruiter_id": str(s.omar.id), "user_id": str(s.rosa.id)}
    for action in ("recruiters", "recruiters/remove"):
        assert client.post(f"{url}/{action}", data=data).status_code == 403
    assert team_of(app, s.v1.id) == [s.rosa.id]


VACANCY_BUTTONS = ("Edit vacancy", "Close vacancy now", "Publish vacancy", "Reopen vacancy")


def test_a_recruiter_outside_the_team_cannot_edit_publish_or_close_the_vacancy(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    log_in(client, s.omar)
    page = client.get(f"/admin/vacancies/{s.v1.id}")
    assert page.status_code == 200, "outside the team the vacancy's page is still readable"
    html = page.get_data(as_text=True)
    assert "Director of Connectivity" in html
    assert [b for b in VACANCY_BUTTONS if b in html] == []
    assert f"/admin/vacancies/{s.v1.id}/close" not in html

    base = f"/admin/vacancies/{s.v1.id}"
    form = {"csrf_token": token(client)}
    refused = [
        client.get(f"{base}/edit"),
        client.post(f"{base}/edit", data={**vacancy_form(title="Taken over"), **form}),
        client.post(f"{base}/close", data=form),
        client.post(f"{base}/publish", data=form),
    ]
    for response in refused:
        assert response.status_code == 403
        body = response.get_data(as_text=True)
        assert "You are not on the hiring team for Director of Connectivity" in body
        assert "can edit, publish, reopen or close it" in body
        assert "Rosa Runner" in body, "the page must name who to ask"
    found = stored(app, Vacancy, s.v1.id)
    assert (found.title, found.status) == ("Director of Connectivity", VacancyStatus.PUBLISHED)


def test_the_team_recruiter_and_an_audited_admin_edit_publish_and_close_the_vacancy(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    base = f"/admin/vacancies/{s.v1.id}"
    log_in(client, s.rosa)
    html = client.get(base).get_data(as_text=True)
    assert "Edit vacancy" in html and "Close vacancy now" in html
    assert submit(client, base, action=f"{base}/close").status_code == 302
    assert stored(app, Vacancy, s.v1.id).status is VacancyStatus.CLOSED
    assert audit_events(app) == [], "the team's own recruiter is not audited"

    admin = make.admin(full_name="Ada Admin")
    as_admin = app.test_client()
    log_in(as_admin, admin)
    assert "Reopen vacancy" in as_admin.get(base).get_data(as_text=True)
    assert submit(as_admin, base, action=f"{base}/publish").status_code == 302
    assert stored(app, Vacancy, s.v1.id).status is VacancyStatus.PUBLISHED
    # The same criteria as the factory's: they are fixed once an application is submitted.
    criteria = {
        "essential_criteria": "Leadership of a regional transport programme",
        "desirable_criteria": "Experience of rail investment cases",
    }
    edit = vacancy_form(title="Director of Networks", **criteria)
    edited = submit(as_admin, f"{base}/edit", edit)
    assert edited.status_code == 302
    assert stored(app, Vacancy, s.v1.id).title == "Director of Networks"
    events = audit_events(app)
    assert {(e.actor_id, e.vacancy_id, e.application_id) for e in events} == {
        (admin.id, s.v1.id, None)
    }
    # The publish, then the edit page's GET and its POST.
    assert [e.detail for e in events] == ["vacancy publish", "vacancy edit", "vacancy edit"]


def test_creating_a_vacancy_puts_its_creator_on_the_team(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    recruiter = make.recruiter()
    log_in(client, recruiter)
    response = submit(client, "/admin/vacancies/new", vacancy_form())
    assert response.status_code == 302
    vacancy_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert team_of(app, vacancy_id) == [recruiter.id]
    assert client.get(f"/admin/vacancies/{vacancy_id}/applications").status_code == 200
    assert client.get(f"/admin/vacancies/{vacancy_id}/team").status_code == 200


def test_admin_access_outside_the_team_is_audited(
    app: Flask, client: FlaskClient, make: Factory, logs: AppLog
) -> None:
    s = setting(make)
    admin = make.admin(full_name="Ada Admin")
    export = make.export(s.v1.id, s.rosa.id)
    log_in(client, admin)
    vacancy_page = client.get(f"/admin/vacancies/{s.v1.id}").get_data(as_text=True)
    assert "each time you do it is recorded in the audit trail" in vacancy_page
    assert audit_events(app) == [], "the vacancy page shows no application"

    assert client.get(f"/admin/applications/{s.a1.id}").status_code == 200
    assert client.get(f"/admin/vacancies/{s.v1.id}/applications").status_code == 200
    assert client.get(f"/admin/exports/{export.id}/download").status_code == 200
    page = f"/admin/applications/{s.a1.id}"
    assert submit(client, page, {"body": "Checked"}, action=f"{page}/notes").status_code == 302

    events = audit_events(app)
    assert [(e.actor_id, e.vacancy_id, e.application_id, e.subject_user_id) for e in events] == [
        (admin.id, s.v1.id, s.a1.id, s.carys.id),
        (admin.id, s.v1.id, None, None),
        (admin.id, s.v1.id, None, None),
        (admin.id, s.v1.id, s.a1.id, s.carys.id),  # the GET of the page before the note
        (admin.id, s.v1.id, s.a1.id, s.carys.id),  # the note itself
    ]
    assert [e.detail for e in events][1:3] == ["applications board", "export download"]
    lines = logs.event(ADMIN_ACCESS)
    assert len(lines) == len(events)
    assert lines[0]["application_id"] == s.a1.id and lines[0]["vacancy_id"] == s.v1.id
    assert "Carys Candidate" not in logs.stream.getvalue()


def test_an_admin_on_the_team_is_not_audited(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    admin = make.admin()
    with app.app_context():
        db.session.add(VacancyRecruiter(vacancy_id=s.v1.id, user_id=admin.id))
        db.session.commit()
    log_in(client, admin)
    assert client.get(f"/admin/applications/{s.a1.id}").status_code == 200
    assert client.get(f"/admin/vacancies/{s.v1.id}/applications").status_code == 200
    assert audit_events(app) == []
    # A team they are not on is audited as before.
    assert client.get(f"/admin/applications/{s.a2.id}").status_code == 200
    assert [e.application_id for e in audit_events(app)] == [s.a2.id]


def test_an_admins_bulk_action_is_audited_per_application(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    s = setting(make)
    log_in(client, make.admin())
    form = {"application_ids": [s.a1.id, s.a2.id], "action": "longlist"}
    response = submit(client, "/admin/applications", form, action="/admin/applications/bulk")
    assert response.status_code == 302
    events = audit_events(app)
    bulk = [e for e in events if e.detail == "bulk longlist"]
    assert sorted(e.application_id for e in bulk) == sorted([s.a1.id, s.a2.id])
    assert stored(app, Application, s.a1.id).on_longlist
