"""Panel members: only the vacancies they are assigned to, only from the sift on, nothing else."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from recruit.models import ApplicationStatus
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import log_in

S = ApplicationStatus


def test_panel_member_lands_on_the_dashboard_and_sees_only_assigned_vacancies(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    mine = make.vacancy(title="Director of Connectivity")
    other = make.vacancy(title="Head of Skills and Talent")
    panel = make.panel_member()
    make.assign_panel(mine.id, panel.id)
    response = submit(client, "/login", {"email": panel.email, "password": panel.password})
    assert response.headers["Location"].endswith("/admin/")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Director of Connectivity" in page
    assert "Head of Skills and Talent" not in page
    assert client.get(f"/admin/vacancies/{mine.id}/applications").status_code == 200
    assert client.get(f"/admin/vacancies/{other.id}/applications").status_code == 404


def test_panel_member_sees_applications_only_from_the_sift_on(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    other = make.vacancy(title="Head of Skills and Talent")
    panel = make.panel_member()
    make.assign_panel(vacancy.id, panel.id)
    apps = {
        status: make.application(
            make.candidate(full_name=f"Person {status.value}").id, vacancy.id, status
        )
        for status in (S.SUBMITTED, S.WITHDRAWN, S.DRAFT, S.UNDER_REVIEW, S.SHORTLISTED)
    }
    elsewhere = make.application(make.candidate().id, other.id, S.UNDER_REVIEW)
    log_in(client, panel)
    for status in (S.SUBMITTED, S.WITHDRAWN, S.DRAFT):
        url = f"/admin/applications/{apps[status].id}"
        assert client.get(url).status_code == 404, status
        assert client.get(f"{url}/score").status_code == 404, status
    assert client.get(f"/admin/applications/{elsewhere.id}").status_code == 404
    assert client.get(f"/admin/applications/{elsewhere.id}/score").status_code == 404
    for status in (S.UNDER_REVIEW, S.SHORTLISTED):
        assert client.get(f"/admin/applications/{apps[status].id}").status_code == 200

    board = client.get(f"/admin/vacancies/{vacancy.id}/applications").get_data(as_text=True)
    assert "2 applications" in board
    assert f'/admin/applications/{apps[S.SUBMITTED].id}"' not in board
    everything = client.get("/admin/applications").get_data(as_text=True)
    assert f'/admin/applications/{elsewhere.id}"' not in everything
    assert "2 applications" in everything


def recruiter_only_routes(vacancy_id: int, application_id: int) -> list[tuple[str, str]]:
    v, a = vacancy_id, application_id
    return [
        ("GET", "/admin/vacancies"),
        ("GET", "/admin/vacancies/new"),
        ("GET", f"/admin/vacancies/{v}"),
        ("GET", f"/admin/vacancies/{v}/edit"),
        ("POST", f"/admin/vacancies/{v}/publish"),
        ("GET", f"/admin/vacancies/{v}/panel"),
        ("POST", f"/admin/vacancies/{v}/panel"),
        ("POST", f"/admin/vacancies/{v}/panel/remove"),
        ("POST", f"/admin/applications/{a}/move"),
        ("POST", f"/admin/applications/{a}/notes"),
        ("POST", f"/admin/applications/{a}/reveal"),
        ("GET", f"/admin/applications/{a}/moderate"),
        ("POST", f"/admin/applications/{a}/moderate"),
        ("POST", "/admin/applications/bulk"),
        ("POST", "/admin/applications/bulk/unsuccessful"),
        ("GET", "/admin/users"),
    ]


def test_panel_members_get_403_on_recruiter_actions(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    application = make.application(make.candidate().id, vacancy.id, S.UNDER_REVIEW)
    panel = make.panel_member()
    make.assign_panel(vacancy.id, panel.id)
    log_in(client, panel)
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    data = {"csrf_token": token, "application_ids": [application.id], "action": "shortlist"}
    for method, url in recruiter_only_routes(vacancy.id, application.id):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, f"{method} {url} answered {response.status_code}"
    page = client.get(f"/admin/applications/{application.id}").get_data(as_text=True)
    assert "Move this application" not in page
    assert "Internal notes" not in page
    assert "application_ids" not in client.get(
        f"/admin/vacancies/{vacancy.id}/applications"
    ).get_data(as_text=True), "panel members get no bulk selection"


def test_candidates_cannot_reach_the_sift(app: Flask, client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy()
    application = make.application(make.candidate().id, vacancy.id, S.UNDER_REVIEW)
    log_in(client, make.candidate())
    for url in (
        "/admin/applications",
        f"/admin/vacancies/{vacancy.id}/applications",
        f"/admin/applications/{application.id}/score",
    ):
        assert client.get(url).status_code == 403, url


def test_recruiter_assigns_and_removes_panel_members(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    panel = make.panel_member(full_name="Grace Adeyemi")
    make.recruiter(full_name="Not A Panellist")
    log_in(client, make.team_recruiter(vacancy.id))
    # The panel is managed on the hiring team page; the old panel address forwards there.
    page_url = f"/admin/vacancies/{vacancy.id}/team"
    url = f"/admin/vacancies/{vacancy.id}/panel"
    assert client.get(url).headers["Location"].endswith(page_url)
    panel_part = client.get(page_url).get_data(as_text=True).split("Panel members</h2>")[1]
    assert "Grace Adeyemi" in panel_part and "Not A Panellist" not in panel_part
    response = submit(client, page_url, {"user_id": str(panel.id)}, action=url)
    assert response.status_code == 302
    page = client.get(page_url).get_data(as_text=True)
    assert "Panel members" in page and "Grace Adeyemi" in page

    assert submit(client, page_url, {"user_id": "999999"}, action=url).status_code == 400
    assert submit(client, page_url, {}, action=url).status_code == 400

    response = submit(client, page_url, {"user_id": str(panel.id)}, action=f"{url}/remove")
    assert response.status_code == 302
    assert "Nobody is on this panel yet" in client.get(page_url).get_data(as_text=True)


def test_a_panel_members_menu_leads_to_their_dashboard(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    panel = make.panel_member()
    submit(client, "/login", {"email": panel.email, "password": panel.password})
    page = client.get("/admin/").get_data(as_text=True)
    assert "Panel dashboard" in page
    assert "My applications" not in page
