"""A vacancy's page: the way to apply is near the top as well as at the foot."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient

from recruit.models import ApplicationStatus
from testkit.factories import Factory
from tests.support.accounts import log_in

APPLY = "Apply for this role"


def buttons(client: FlaskClient, vacancy: SimpleNamespace, text: str) -> list[int]:
    """Where on the page the apply buttons with `text` are (character offsets)."""
    html = client.get(f"/vacancies/{vacancy.reference}").get_data(as_text=True)
    link = (
        f'<a href="/vacancies/{vacancy.reference}/apply" role="button" draggable="false" '
        'class="govuk-button'
    )
    found, at = [], html.find(link)
    while at != -1:
        end = html.index("</a>", at)
        if html[at:end].endswith(f">{text}"):
            found.append(at)
        at = html.find(link, end)
    # The top one comes before the advert's first section; the other after its criteria.
    if found:
        assert found[0] < html.index("About the role")
    return found


def test_the_apply_button_is_near_the_top_and_at_the_foot(
    client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    _, foot = buttons(client, vacancy, APPLY)  # anonymous visitors too: apply asks to sign in
    html = client.get(f"/vacancies/{vacancy.reference}").get_data(as_text=True)
    assert foot > html.index("How to apply")
    log_in(client, make.candidate())
    assert len(buttons(client, vacancy, APPLY)) == 2


def test_a_draft_continues_from_both_buttons(client: FlaskClient, make: Factory) -> None:
    vacancy, person = make.vacancy(), make.candidate()
    make.application(person.id, vacancy.id, status=ApplicationStatus.DRAFT)
    log_in(client, person)
    assert len(buttons(client, vacancy, "Continue your application")) == 2


def test_no_apply_button_once_applied_closed_or_for_staff(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy, person = make.vacancy(), make.candidate()
    closed = make.vacancy(closes_in=timedelta(minutes=-5))
    assert buttons(client, closed, APPLY) == []
    make.application(person.id, vacancy.id)
    log_in(client, person)
    assert buttons(client, vacancy, APPLY) == []
    html = client.get(f"/vacancies/{vacancy.reference}").get_data(as_text=True)
    assert html.count("View your application") == 2
    staff = app.test_client()
    log_in(staff, make.recruiter())
    assert buttons(staff, vacancy, APPLY) == []
