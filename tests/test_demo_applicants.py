"""`flask seed-demo` (run by `make run`) adds demo applicants with monitoring answers and one
candidate who opted in to the guaranteed-interview scheme, once, through the product's own code.
"""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from recruit.cli.demo import DEMO_RECRUITER_EMAIL
from recruit.cli.demo_data import DEMO_APPLICANTS, DEMO_EXPIRED_APPLICANTS, DEMO_EXPIRED_VACANCY
from recruit.extensions import db
from recruit.models import (
    AdjustmentRequest,
    Application,
    ApplicationStatus,
    InterviewGuaranteeOptIn,
    MonitoringResponse,
    User,
)
from recruit.monitoring import responses
from recruit.services import guarantee
from testkit.forms import submit


def _seed(app: Flask) -> str:
    """Run `flask seed-demo`; return the demo recruiter's printed password."""
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    found = re.search(
        rf"^Demo recruiter: {re.escape(DEMO_RECRUITER_EMAIL)} / (.+)$", result.output, re.M
    )
    assert found is not None, result.output
    return found.group(1)


def _applications_by_email(app: Flask) -> dict[str, Application]:
    with app.app_context():
        rows = db.session.execute(
            select(User.email, Application).join(Application, Application.candidate_id == User.id)
        ).all()
        db.session.expunge_all()
        return {email: application for email, application in rows}


def test_seed_demo_adds_submitted_applications_with_monitoring_answers(app: Flask) -> None:
    _seed(app)
    applications = _applications_by_email(app)
    assert set(applications) == {
        item["email"] for item in [*DEMO_APPLICANTS, *DEMO_EXPIRED_APPLICANTS]
    }
    assert len(DEMO_APPLICANTS) >= 3
    with app.app_context():
        for item in DEMO_APPLICANTS:
            application = applications[item["email"]]
            assert application.status is ApplicationStatus.SUBMITTED
            assert application.submitted_at is not None
            # Found through the pseudonym, as the reports and the subject access pack find them.
            assert responses.answers_for(application.id) == item["monitoring"]
        everyone = len(DEMO_APPLICANTS) + len(DEMO_EXPIRED_APPLICANTS)
        assert db.session.scalar(select(func.count(MonitoringResponse.id))) == everyone


def test_seed_demo_has_exactly_one_guaranteed_interview_opt_in(app: Flask) -> None:
    _seed(app)
    applications = _applications_by_email(app)
    opted = [item for item in DEMO_APPLICANTS if item["guaranteed_interview"]]
    assert len(opted) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(InterviewGuaranteeOptIn.id))) == 1
        assert guarantee.is_opted_in(applications[opted[0]["email"]].id)
        requests = list(db.session.scalars(select(AdjustmentRequest)))
        assert [r.text for r in requests] == [opted[0]["adjustment"]]


def test_seed_demo_twice_adds_no_second_applicant(app: Flask) -> None:
    _seed(app)
    _seed(app)
    with app.app_context():
        everyone = len(DEMO_APPLICANTS) + len(DEMO_EXPIRED_APPLICANTS)
        assert db.session.scalar(select(func.count(Application.id))) == everyone
        assert db.session.scalar(select(func.count(MonitoringResponse.id))) == everyone
        assert db.session.scalar(select(func.count(InterviewGuaranteeOptIn.id))) == 1


def test_the_demo_recruiter_sees_the_opted_in_candidates_adjustment(app: Flask) -> None:
    password = _seed(app)
    opted = next(item for item in DEMO_APPLICANTS if item["guaranteed_interview"])
    application = _applications_by_email(app)[opted["email"]]
    client = app.test_client()
    login = submit(client, "/login", {"email": DEMO_RECRUITER_EMAIL, "password": password})
    assert login.status_code == 302
    html = client.get(f"/admin/applications/{application.id}").get_data(as_text=True)
    assert opted["adjustment"].split(":")[0] in html


def test_the_demo_campaign_past_its_retention_period_is_purged_with_a_receipt(app: Flask) -> None:
    _seed(app)
    runner = app.test_cli_runner()
    plan = runner.invoke(args=["retention", "plan"])
    assert plan.exit_code == 0, plan.output
    assert DEMO_EXPIRED_VACANCY["reference"] in plan.output
    assert all(item["full_name"] not in plan.output for item in DEMO_EXPIRED_APPLICANTS)
    run = runner.invoke(args=["retention", "run"])
    assert run.exit_code == 0, run.output
    assert DEMO_EXPIRED_VACANCY["reference"] in run.output
    assert all(item["email"] not in _applications_by_email(app) for item in DEMO_EXPIRED_APPLICANTS)
    # The open campaigns' applicants are untouched.
    assert set(_applications_by_email(app)) == {item["email"] for item in DEMO_APPLICANTS}
