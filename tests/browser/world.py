"""Data for the page-by-page browser tests: one of everything a key page needs to show."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from recruit.models import ApplicationStatus, Role
from testkit.documents import pdf_bytes
from tests.browser.stack import BrowserStack


@dataclass
class World:
    """People, vacancies, an application and an export, made once per session."""

    admin: SimpleNamespace
    recruiter: SimpleNamespace
    panel: SimpleNamespace
    candidate: SimpleNamespace
    vacancy: SimpleNamespace
    other_vacancy: SimpleNamespace
    application: SimpleNamespace
    export: SimpleNamespace

    def login_for(self, role: str) -> SimpleNamespace | None:
        """The person to log in as for `role` ("anonymous" means nobody)."""
        return {
            "candidate": self.candidate,
            "recruiter": self.recruiter,
            "admin": self.admin,
            "panel": self.panel,
        }.get(role)


def build_world(stack: BrowserStack) -> World:
    """Make the session's data through the factories, on the stack's database."""
    make = stack.make
    admin = make.user(Role.ADMIN, email="pat.admin@example.org", full_name="Pat Admin")
    recruiter = make.recruiter(email="rita.recruiter@example.org", full_name="Rita Recruiter")
    panel = make.panel_member(email="pam.panel@example.org", full_name="Pam Panel")
    candidate = make.candidate(email="cara.candidate@example.org", full_name="Cara Candidate")
    vacancy = make.vacancy(
        title="Chief Executive, Midlands Innovation Partnership",
        themes=("innovation",),
        recruiter_ids=(recruiter.id, admin.id),
        essential=("Led a partnership of universities and businesses",),
        desirable=("Raised investment for research commercialisation",),
    )
    other = make.vacancy(title="Head of Trade and Investment", themes=("trade-investment",))
    make.assign_panel(vacancy.id, panel.id)
    application = make.application(candidate.id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    make.cv(application.id, pdf_bytes("Cara Candidate CV"), "cara-cv.pdf")
    # The panel member and the admin have both scored it: score tables show on their pages.
    for assessor, value in ((panel, 3), (admin, 4)):
        make.scores(
            application.id,
            assessor.id,
            {c.id: value for c in vacancy.criteria},
            comment="Clear evidence of leading a university and business partnership.",
        )
    for n in range(3):
        someone = make.candidate(full_name=f"Applicant Number{n}")
        make.application(someone.id, vacancy.id)
    export = make.export(vacancy.id, recruiter.id, file_name="shortlist-pack.csv")
    return World(admin, recruiter, panel, candidate, vacancy, other, application, export)
