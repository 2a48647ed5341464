"""Anonymised sift: nothing identifies a candidate to assessors until the shortlist or a reveal."""

from __future__ import annotations

from collections import deque
from types import SimpleNamespace
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import ApplicationNote, IdentityReveal
from recruit.models import ApplicationStatus as S
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in
from tests.support.sift import hrefs

NAME, EMAIL = "Amara Okafor", "amara.okafor@example.org"
MAX_PAGES = 400


def add_note(app: Flask, application_id: int, author_id: int, body: str) -> None:
    with app.app_context():
        db.session.add(
            ApplicationNote(application_id=application_id, author_id=author_id, body=body)
        )
        db.session.commit()


def anonymised_sift(make: Factory, app: Flask, note: str | None = None) -> SimpleNamespace:
    """A vacancy sifted anonymously with the candidate under review, scored and noted.

    The recruiters' note names the candidate (recruiters may write anything in notes), so the
    panel must never see notes.
    """
    recruiter = make.recruiter()
    vacancy = make.vacancy(anonymised_sift=True, recruiter_ids=(recruiter.id,))
    candidate = make.candidate(full_name=NAME, email=EMAIL)
    application = make.application(
        candidate.id, vacancy.id, S.UNDER_REVIEW, statement="I led a regional transport body."
    )
    make.cv(application.id, b"%PDF-1.4 " + NAME.encode(), f"{NAME} CV.pdf")
    add_note(app, application.id, recruiter.id, note or f"Spoke to {NAME} ({EMAIL}) about notice.")
    other = make.application(make.candidate().id, vacancy.id, S.UNDER_REVIEW)
    colleague = make.panel_member()
    criteria = [c.id for c in vacancy.criteria]
    make.scores(application.id, colleague.id, dict.fromkeys(criteria, 3), comment="Good")
    return SimpleNamespace(
        vacancy=vacancy,
        application=application,
        other=other,
        recruiter=recruiter,
        criteria=criteria,
    )


def assert_anonymous(url: str, body: str, headers: str) -> None:
    for secret in (NAME, EMAIL, "Okafor", "amara.okafor"):
        assert secret.lower() not in body.lower(), f"{secret!r} appears in the body of {url}"
        assert secret.lower() not in headers.lower(), f"{secret!r} appears in headers of {url}"


def crawl(client: FlaskClient, seeds: list[str]) -> set[str]:
    """Follow every /admin link breadth-first from `seeds`; check each response; return paths."""
    queue, seen = deque(seeds), set(seeds)
    while queue:
        url = queue.popleft()
        response = client.get(url)
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        raw = response.get_data().decode("latin-1")
        assert_anonymous(url, body + raw, str(response.headers))
        assert response.status_code < 400, f"{url} is linked but answers {response.status_code}"
        for href in hrefs(body):
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/admin"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                seen.add(target)
                queue.append(target)
        assert len(seen) < MAX_PAGES, "the crawl does not converge"
    return {urlsplit(u).path for u in seen}


def seeds_for(vacancy_id: int) -> list[str]:
    board = f"/admin/vacancies/{vacancy_id}/applications"
    sorts = [f"{board}?sort={s}" for s in ("score", "spread", "number", "newest")]
    bands = [f"{board}?band={b}" for b in ("unscored", "below", "meets", "strong")]
    return ["/admin/", "/admin/applications?sort=number", *sorts, *bands]


def test_crawl_as_panel_member_never_shows_the_candidate(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    sift = anonymised_sift(make, app)
    vacancy, application = sift.vacancy, sift.application
    panel = make.panel_member()
    make.assign_panel(vacancy.id, panel.id)
    log_in(client, panel)
    app_url = f"/admin/applications/{application.id}"

    visited = crawl(client, seeds_for(vacancy.id))
    assert app_url in visited and f"{app_url}/score" in visited

    # Score it, so the other assessors' scores and comments show, then crawl again.
    data = {f"score_{c}": "2" for c in sift.criteria}
    response = submit(client, f"{app_url}/score", {**data, "action": "submit"})
    assert response.status_code == 302
    page = client.get(app_url).get_data(as_text=True)
    assert "Good" in page and "Meets essential criteria" in page
    visited = crawl(client, seeds_for(vacancy.id))
    assert app_url in visited

    # Nothing reachable by guessing either.
    cv = client.get(f"{app_url}/cv")
    assert cv.status_code == 404
    assert_anonymous(f"{app_url}/cv", cv.get_data(as_text=True), str(cv.headers))


def test_recruiter_sees_a_number_until_the_shortlist(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    sift = anonymised_sift(make, app, note="Three months' notice.")
    application = sift.application
    url = f"/admin/applications/{application.id}"
    log_in(client, sift.recruiter)
    page = client.get(url).get_data(as_text=True)
    assert NAME not in page and EMAIL not in page and f"{NAME} CV.pdf" not in page
    assert application.candidate_number in page
    assert client.get(f"{url}/cv").status_code == 404
    board = client.get(f"/admin/vacancies/{sift.vacancy.id}/applications").get_data(as_text=True)
    assert NAME not in board and application.candidate_number in board

    response = submit(client, url, {"to_status": "shortlisted"}, action=f"{url}/move")
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert NAME in page and EMAIL in page
    assert client.get(f"{url}/cv").status_code == 200


def test_reveal_needs_a_reason_is_recorded_and_shown(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    sift = anonymised_sift(make, app, note="Three months' notice.")
    application, vacancy = sift.application, sift.vacancy
    url = f"/admin/applications/{application.id}"
    recruiter = sift.recruiter
    log_in(client, recruiter)

    response = submit(client, url, {"reason": "  "}, action=f"{url}/reveal")
    assert response.status_code == 400
    assert "Enter the reason" in response.get_data(as_text=True)
    assert NAME not in response.get_data(as_text=True)

    reason = "Candidate asked for the guaranteed interview scheme"
    response = submit(client, url, {"reason": reason}, action=f"{url}/reveal")
    assert response.status_code == 302
    with app.app_context():
        [record] = db.session.scalars(select(IdentityReveal)).all()
        assert record.application_id == application.id
        assert record.revealed_by_id == recruiter.id
        assert record.reason == reason and record.revealed_at is not None
    page = client.get(url).get_data(as_text=True)
    assert NAME in page and reason in page and recruiter.full_name in page

    # The panel member sees the name too, by the same rule; the other candidate stays anonymous.
    panel = make.panel_member()
    make.assign_panel(vacancy.id, panel.id)
    panel_client = app.test_client()
    log_in(panel_client, panel)
    assert NAME in panel_client.get(url).get_data(as_text=True)
    other_page = panel_client.get(f"/admin/applications/{sift.other.id}")
    assert "Candidate C-" in other_page.get_data(as_text=True)


def test_named_sift_shows_names_to_the_panel(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy(anonymised_sift=False)
    application = make.application(
        make.candidate(full_name=NAME, email=EMAIL).id, vacancy.id, S.UNDER_REVIEW
    )
    panel = make.panel_member()
    make.assign_panel(vacancy.id, panel.id)
    log_in(client, panel)
    assert NAME in client.get(f"/admin/applications/{application.id}").get_data(as_text=True)
