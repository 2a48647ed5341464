"""The one-statement send on PostgreSQL (`submitting.send_if_complete`): it submits a draft only
when the Python check (`forms.missing_answers`) would, and the view falls back to that check
whenever it writes nothing, so the page still says what is missing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, CriterionEvidence, utcnow
from recruit.portal.forms import missing_answers
from recruit.services import submitting
from testkit.documents import pdf_bytes
from testkit.factories import Factory
from testkit.forms import csrf_token_from
from tests.support.rows import outbox

# Every character Python's str.strip() removes, as one string.
PYTHON_WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())

Change = Callable[[Application], None]


def _statement(text: str) -> Change:
    def change(draft: Application) -> None:
        draft.statement = text

    return change


def _evidence(position: int, text: str | None) -> Change:
    """Set (or, with None, remove) the evidence against the vacancy's `position`-th criterion."""

    def change(draft: Application) -> None:
        criterion = draft.vacancy.criteria[position]
        found = [e for e in draft.evidence if e.criterion_id == criterion.id]
        if text is None:
            for item in found:
                db.session.delete(item)
        elif found:
            found[0].text = text
        else:
            draft.evidence.append(CriterionEvidence(criterion_id=criterion.id, text=text))

    return change


def _no_cv(draft: Application) -> None:
    draft.cv_file_id = None


def _draft(make: Factory, vacancy: SimpleNamespace, change: Change | None) -> SimpleNamespace:
    """A complete draft with a CV, then `change` applied to it."""
    person = make.candidate()
    draft = make.application(person.id, vacancy.id, status=ApplicationStatus.DRAFT)
    make.cv(draft.id, pdf_bytes(), name=f"cv-{person.id}.pdf")
    if change is not None:
        with make.app.app_context():
            row = db.session.get(Application, draft.id)
            assert row is not None
            change(row)
            db.session.commit()
    return draft


def _python_would_send(app: Flask, reference: str, candidate_id: int) -> bool:
    with app.app_context():
        found = submitting.draft_to_send(reference, candidate_id)
        db.session.rollback()
    return found is not None and not missing_answers(
        found.statement, found.has_cv, found.essential, found.evidence
    )


def _sent_at_once(app: Flask, reference: str, candidate_id: int, late: bool = False) -> bool:
    """Whether the one-statement send writes; rolled back either way."""
    received = utcnow() + timedelta(days=30) if late else None
    with app.app_context():
        sent = submitting.send_if_complete(reference, candidate_id, received)
        db.session.rollback()
    return sent is not None


CASES: dict[str, Change | None] = {
    "complete": None,
    "statement of every whitespace": _statement(PYTHON_WHITESPACE),
    "statement of ideographic and no-break spaces": _statement("\u3000\xa0\u2028"),
    "statement with one letter among spaces": _statement("\u3000x\xa0"),
    "statement empty": _statement(""),
    "essential evidence blank": _evidence(0, "\xa0\u2003\t"),
    "essential evidence missing": _evidence(1, None),
    "desirable evidence missing": _evidence(2, None),
    "no CV": _no_cv,
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_one_statement_send_judges_a_draft_as_the_python_check_does(
    app: Flask, make: Factory, vacancy: SimpleNamespace, backend: str, case: str
) -> None:
    if backend != "postgresql":
        pytest.skip("the one-statement send is PostgreSQL's (data-modifying WITH, ~)")
    draft = _draft(make, vacancy, CASES[case])
    expected = _python_would_send(app, vacancy.reference, draft.candidate_id)
    assert expected == (
        case in {"complete", "statement with one letter among spaces", "desirable evidence missing"}
    )
    assert _sent_at_once(app, vacancy.reference, draft.candidate_id) == expected


def test_another_candidates_evidence_never_completes_a_draft(
    app: Flask, make: Factory, vacancy: SimpleNamespace, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("the one-statement send is PostgreSQL's")
    # Someone else answered every criterion; this draft lacks one essential answer.
    _draft(make, vacancy, None)
    mine = _draft(make, vacancy, _evidence(0, None))
    assert not _python_would_send(app, vacancy.reference, mine.candidate_id)
    assert not _sent_at_once(app, vacancy.reference, mine.candidate_id)


def test_the_one_statement_send_refuses_late_others_and_sent_drafts(
    app: Flask, make: Factory, vacancy: SimpleNamespace, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("the one-statement send is PostgreSQL's")
    draft = _draft(make, vacancy, None)
    stranger = make.candidate()
    assert not _sent_at_once(app, vacancy.reference, draft.candidate_id, late=True)
    assert not _sent_at_once(app, vacancy.reference, stranger.id)
    assert not _sent_at_once(app, "ME-NO-SUCH", draft.candidate_id)
    with app.app_context():
        db.session.execute(
            update(Application)
            .where(Application.id == draft.id)
            .values(status=ApplicationStatus.SUBMITTED, submitted_at=utcnow())
        )
        db.session.commit()
    assert not _sent_at_once(app, vacancy.reference, draft.candidate_id)


def test_the_whitespace_the_send_knows_is_all_of_pythons() -> None:
    assert f"[^{PYTHON_WHITESPACE}]" == submitting.NOT_BLANK


def test_a_blank_statement_is_refused_with_its_message_on_either_database(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    make = Factory(app)
    draft = make.application(
        candidate.id, vacancy.id, status=ApplicationStatus.DRAFT, statement="\u3000\xa0"
    )
    make.cv(draft.id, pdf_bytes())
    url = f"/vacancies/{vacancy.reference}/apply/check"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    refused = client.post(url, data={"csrf_token": token})
    assert refused.status_code == 400
    assert "Enter your supporting statement" in refused.get_data(as_text=True)
    with app.app_context():
        status = db.session.scalars(select(Application.status)).one()
    assert status is ApplicationStatus.DRAFT
    assert outbox(app) == []
