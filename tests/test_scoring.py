"""Scoring: the scale, blind scoring until submission, agreed scores, ranking and the flag."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import AgreedScore, Score
from recruit.models import ApplicationStatus as S
from recruit.services import scoring
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in

ESSENTIAL = ("Leadership of a regional transport programme", "Board-level stakeholder work")
DESIRABLE = ("Experience of rail investment cases",)


def two_criteria_vacancy(make: Factory, **fields: Any) -> tuple[SimpleNamespace, list[int], int]:
    vacancy = make.vacancy(essential=ESSENTIAL, desirable=DESIRABLE, **fields)
    ids = {c.text: c.id for c in vacancy.criteria}
    return vacancy, [ids[t] for t in ESSENTIAL], ids[DESIRABLE[0]]


def score_form(criteria: list[int], value: str, comment: str = "") -> dict[str, str]:
    data = {f"score_{c}": value for c in criteria}
    data.update({f"comment_{c}": comment for c in criteria})
    return data


def test_scale_and_labels_are_defined_once() -> None:
    assert scoring.SCALE == {
        0: "No evidence",
        1: "Limited",
        2: "Meets",
        3: "Strong",
        4: "Outstanding",
    }
    assert scoring.MEETS == 2
    assert scoring.label(3) == "3 – Strong"
    assert scoring.label(2.5) == "2.5"
    assert scoring.label(None) == "Not scored"


def test_assessors_see_others_scores_only_after_submitting_their_own(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy, essential, desirable = two_criteria_vacancy(make)
    criteria = [*essential, desirable]
    application = make.application(make.candidate().id, vacancy.id, S.UNDER_REVIEW)
    first, second = make.panel_member(full_name="Ada First"), make.panel_member()
    for member in (first, second):
        make.assign_panel(vacancy.id, member.id)
    make.scores(application.id, first.id, dict.fromkeys(criteria, 4), comment="Secret view xyz")
    url = f"/admin/applications/{application.id}"

    log_in(client, second)
    page = client.get(url).get_data(as_text=True)
    assert "Secret view xyz" not in page and "Ada First" not in page
    assert "hidden until you submit" in page
    board = client.get(f"/admin/vacancies/{vacancy.id}/applications").get_data(as_text=True)
    assert "4.0" not in board and "Hidden" in board

    response = submit(client, f"{url}/score", {**score_form(criteria, "2"), "action": "save"})
    assert response.status_code == 302
    assert "Secret view xyz" not in client.get(url).get_data(as_text=True), "a draft is not enough"

    response = submit(client, f"{url}/score", {**score_form(criteria, "2"), "action": "submit"})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Secret view xyz" in page and "Ada First" in page
    board = client.get(f"/admin/vacancies/{vacancy.id}/applications").get_data(as_text=True)
    assert "3.0" in board, "mean of 4 and 2 once visible"


def test_no_assessor_sees_others_scores_before_submitting_whatever_their_role(
    app: Flask, make: Factory
) -> None:
    lead = make.recruiter()
    vacancy, essential, _ = two_criteria_vacancy(make, recruiter_ids=(lead.id,))
    application = make.application(make.candidate().id, vacancy.id, S.UNDER_REVIEW)
    panel = make.panel_member(full_name="Pat Panel")
    make.assign_panel(vacancy.id, panel.id)
    make.scores(application.id, panel.id, {essential[0]: 4}, comment="Panel comment abc")
    url = f"/admin/applications/{application.id}"
    board_url = f"/admin/vacancies/{vacancy.id}/applications"

    # Another recruiter on the team, and an admin outside it.
    for person in (lead, make.team_recruiter(vacancy.id), make.admin()):
        client = app.test_client()
        log_in(client, person)
        page = client.get(url).get_data(as_text=True)
        assert "Panel comment abc" not in page and "Pat Panel" not in page, person.email
        assert "hidden until you submit your own" in page
        assert "panel members, recruiters and admins" in page
        board = client.get(board_url).get_data(as_text=True)
        assert "4.0" not in board and "Hidden" in board
        assert "nobody – panel member, recruiter or admin – sees" in board

    # The lead's moderation page offers the choice instead of the panel's scores.
    client = app.test_client()
    log_in(client, lead)
    page = client.get(f"{url}/moderate").get_data(as_text=True)
    assert "Panel comment abc" not in page
    assert "Show panel scores without scoring" in page
    refused = submit(client, f"{url}/moderate", {f"agreed_{essential[0]}": "3"})
    assert refused.status_code == 400
    assert "before you record agreed scores" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(AgreedScore)).all() == []


def test_a_moderator_may_see_panel_scores_without_scoring_but_then_cannot_score(
    app: Flask, client: FlaskClient, make: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    lead = make.recruiter()
    vacancy, essential, desirable = two_criteria_vacancy(make, recruiter_ids=(lead.id,))
    criteria = [*essential, desirable]
    application = make.application(make.candidate().id, vacancy.id, S.UNDER_REVIEW)
    panel = make.panel_member(full_name="Pat Panel")
    make.assign_panel(vacancy.id, panel.id)
    make.scores(application.id, panel.id, dict.fromkeys(criteria, 4), comment="Panel comment abc")
    make.scores(application.id, lead.id, {essential[0]: 1}, submitted=False)
    url = f"/admin/applications/{application.id}"

    panel_client = app.test_client()
    log_in(panel_client, panel)
    assert (
        submit(panel_client, url, {"action": "show_scores"}, action=f"{url}/moderate").status_code
        == 403
    )

    log_in(client, lead)
    page = client.get(f"{url}/moderate").get_data(as_text=True)
    assert "your draft scores will be deleted" in page
    with caplog.at_level("INFO", logger="recruit"):
        response = submit(client, f"{url}/moderate", {"action": "show_scores"})
    assert response.status_code == 302
    [event] = [r for r in caplog.records if getattr(r, "event", "") == "scores_shown_unscored"]
    assert (event.user_id, event.application_id) == (lead.id, application.id)  # type: ignore[attr-defined]
    with app.app_context():
        mine = db.session.scalars(select(Score).where(Score.assessor_id == lead.id)).all()
        assert len(mine) == len(criteria)
        assert all(r.score is None and r.submitted_at is not None for r in mine)

    moderation = client.get(f"{url}/moderate").get_data(as_text=True)
    assert "Panel comment abc" in moderation and "Pat Panel" in moderation
    assert "without scoring this application, so you cannot score it" in moderation
    page = client.get(url).get_data(as_text=True)
    assert "Panel comment abc" in page and "so you cannot score it" in page
    assert "4.0" in page, "the mean is the panel's alone: an abstention is nobody's score"
    board = client.get(f"/admin/vacancies/{vacancy.id}/applications").get_data(as_text=True)
    assert "4.0" in board

    response = submit(client, f"{url}/score", {**score_form(criteria, "0"), "action": "submit"})
    assert response.status_code == 400
    assert "so you cannot score this application" in response.get_data(as_text=True)
    agreed = {f"agreed_{essential[0]}": "3", f"note_{essential[0]}": "Agreed"}
    assert submit(client, f"{url}/moderate", agreed).status_code == 302
    with app.app_context():
        assert {r.score for r in db.session.scalars(select(Score))} == {4, None}
        assert [a.score for a in db.session.scalars(select(AgreedScore))] == [3]


def test_a_moderator_may_show_a_whole_vacancys_panel_scores_at_once(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy, essential, desirable = two_criteria_vacancy(make)
    criteria = [*essential, desirable]
    panel = make.panel_member()
    stages = {"In Review": S.UNDER_REVIEW, "On Shortlist": S.SHORTLISTED, "Not Sifted": S.SUBMITTED}
    apps = {
        name: make.application(make.candidate(full_name=name).id, vacancy.id, status)
        for name, status in stages.items()
    }
    for found in apps.values():
        make.scores(found.id, panel.id, dict.fromkeys(criteria, 3))
    admin = make.admin()
    make.scores(apps["On Shortlist"].id, admin.id, dict.fromkeys(criteria, 1))  # stays as it is
    log_in(client, admin)
    url = f"/admin/applications/{apps['In Review'].id}/moderate"
    assert submit(client, url, {"action": "show_scores_vacancy"}).status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(Score).where(Score.assessor_id == admin.id)).all()
        assert {r.application_id for r in rows if r.score is None} == {apps["In Review"].id}
        assert {r.score for r in rows if r.application_id == apps["On Shortlist"].id} == {1}
    board = client.get(f"/admin/vacancies/{vacancy.id}/applications").get_data(as_text=True)
    rows_html = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", board, re.S)
    row_for = {n: next(r for r in rows_html if n in r) for n in stages}
    assert "3.0" in row_for["In Review"] and "2.0" in row_for["On Shortlist"]
    assert "Hidden" in row_for["Not Sifted"], "not in the sift when the choice was made"


def test_submitting_needs_every_criterion_and_is_final(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy, essential, desirable = two_criteria_vacancy(make)
    application = make.application(make.candidate().id, vacancy.id, S.UNDER_REVIEW)
    panel = make.panel_member()
    make.assign_panel(vacancy.id, panel.id)
    log_in(client, panel)
    url = f"/admin/applications/{application.id}/score"
    page = client.get(url).get_data(as_text=True)
    for descriptor in ("0 – No evidence", "2 – Meets", "4 – Outstanding"):
        assert descriptor in page

    draft = {f"score_{essential[0]}": "3", "action": "save"}
    assert submit(client, url, draft).status_code == 302, "a partial draft is fine"
    with app.app_context():
        saved = {r.criterion_id: r.score for r in db.session.scalars(select(Score))}
        assert saved == {essential[0]: 3, essential[1]: None, desirable: None}
    assert 'value="3" checked' in client.get(url).get_data(as_text=True)

    partial = {f"score_{essential[0]}": "3", "action": "submit"}
    response = submit(client, url, partial)
    assert response.status_code == 400
    assert "Score every criterion before you submit" in response.get_data(as_text=True)

    bad = {**score_form([*essential, desirable], "7"), "action": "submit"}
    assert submit(client, url, bad).status_code == 400

    good = {**score_form([*essential, desirable], "3", "Clear evidence"), "action": "submit"}
    assert submit(client, url, good).status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(Score).where(Score.assessor_id == panel.id)).all()
        assert len(rows) == 3
        assert all(r.score == 3 and r.submitted_at and r.comment == "Clear evidence" for r in rows)

    page = client.get(url).get_data(as_text=True)
    assert "can no longer be changed" in page and 'type="radio"' not in page
    client.post(url, data={**score_form([*essential, desirable], "0"), "action": "submit"})
    with app.app_context():
        assert {s.score for s in db.session.scalars(select(Score))} == {3}


def order_of(page: str, labels: list[str]) -> list[str]:
    positions = {label: page.index(label) for label in labels}
    return sorted(labels, key=positions.__getitem__)


def test_ranking_uses_agreed_scores_then_the_mean_and_shows_the_spread(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy, essential, desirable = two_criteria_vacancy(make)
    criteria = [*essential, desirable]
    a, b = make.panel_member(), make.panel_member()
    names = ["Mean Three", "Agreed Four", "Not Scored", "Below Essential"]
    apps = {
        name: make.application(make.candidate(full_name=name).id, vacancy.id, S.UNDER_REVIEW)
        for name in names
    }
    make.scores(apps["Mean Three"].id, a.id, dict.fromkeys(criteria, 2))
    make.scores(apps["Mean Three"].id, b.id, dict.fromkeys(criteria, 4))
    make.scores(apps["Agreed Four"].id, a.id, dict.fromkeys(criteria, 2))
    make.scores(apps["Agreed Four"].id, b.id, dict.fromkeys(criteria, 3))
    for criterion in criteria:
        make.agreed(apps["Agreed Four"].id, criterion, 4)
    make.scores(apps["Below Essential"].id, a.id, {essential[0]: 1, essential[1]: 3, desirable: 3})

    log_in(client, make.admin())
    moderate = f"/admin/applications/{apps['Not Scored'].id}/moderate"
    assert submit(client, moderate, {"action": "show_scores_vacancy"}).status_code == 302
    url = f"/admin/vacancies/{vacancy.id}/applications"
    page = client.get(f"{url}?sort=score").get_data(as_text=True)
    assert order_of(page, names) == ["Agreed Four", "Mean Three", "Below Essential", "Not Scored"]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", page, re.S)
    row_for = {n: next(r for r in rows if n in r) for n in names}
    assert "4.0" in row_for["Agreed Four"] and "3.0" in row_for["Mean Three"]
    assert "2.3" in row_for["Below Essential"]
    assert ">2</td>" in row_for["Mean Three"], "spread between assessors 2 and 4"
    assert "Does not meet essential criteria" in row_for["Below Essential"]
    assert "Meets essential criteria" in row_for["Mean Three"]
    assert "Not known yet" in row_for["Not Scored"]

    page = client.get(f"{url}?sort=spread").get_data(as_text=True)
    assert order_of(page, names)[0] == "Mean Three"
    page = client.get(f"{url}?band=strong").get_data(as_text=True)
    assert "Agreed Four" in page and "Mean Three" in page and "Below Essential" not in page
    page = client.get(f"{url}?band=unscored").get_data(as_text=True)
    assert "Not Scored" in page and "Mean Three" not in page

    # Agreeing the weak essential criterion at "meets" lifts the flag.
    make.agreed(apps["Below Essential"].id, essential[0], 2)
    page = client.get(f"/admin/applications/{apps['Below Essential'].id}").get_data(as_text=True)
    assert "Meets essential criteria" in page and "Does not meet" not in page


def test_lead_recruiter_records_agreed_scores(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    lead = make.recruiter()
    vacancy, essential, _ = two_criteria_vacancy(make, recruiter_ids=(lead.id,))
    application = make.application(make.candidate().id, vacancy.id, S.UNDER_REVIEW)
    url = f"/admin/applications/{application.id}/moderate"

    log_in(client, make.recruiter())
    assert client.get(url).status_code == 403, "a recruiter who does not run the vacancy"

    lead_client = app.test_client()
    log_in(lead_client, lead)
    assert submit(lead_client, url, {"action": "show_scores"}).status_code == 302
    data = {f"agreed_{essential[0]}": "3", f"note_{essential[0]}": "Panel agreed on Strong"}
    assert submit(lead_client, url, data).status_code == 302
    with app.app_context():
        [agreed] = db.session.scalars(select(AgreedScore)).all()
        assert (agreed.criterion_id, agreed.score, agreed.recorded_by_id) == (
            essential[0],
            3,
            lead.id,
        )
        assert agreed.note == "Panel agreed on Strong"
    assert submit(lead_client, url, {f"agreed_{essential[0]}": "9"}).status_code == 400
    assert submit(lead_client, url, {f"agreed_{essential[0]}": ""}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(AgreedScore)).all() == []

    admin_client = app.test_client()
    log_in(admin_client, make.admin())
    assert admin_client.get(url).status_code == 200
