"""Adjustments and the guaranteed interview in tests: a vacancy's team and its applications."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace

from recruit.models import ApplicationStatus
from testkit.factories import Factory

# Words that would give away a request or an opt-in on a page that must not show either.
# (The footer's general offer of adjustments is on every page, so the word alone is no sign.)
GIVEAWAYS = (
    "Guaranteed interview",
    "guaranteed interview",
    "Disability Confident",
    "Adjustments and guaranteed interview",
    "Adjustments to acknowledge",
    "Acknowledge request",
    "opted in",
)


@dataclass
class Team:
    """A vacancy with two essential criteria, its recruiter, an admin and its panel member."""

    vacancy: SimpleNamespace
    recruiter: SimpleNamespace
    outsider: SimpleNamespace
    admin: SimpleNamespace
    panel: SimpleNamespace

    @property
    def essential_ids(self) -> list[int]:
        """The essential criteria's ids, in order."""
        return [c.id for c in self.vacancy.criteria if c.kind.value == "essential"]


def team(make: Factory) -> Team:
    """The vacancy and the people around it; the outsider is a recruiter who does not run it."""
    recruiter = make.recruiter(full_name="Rhiannon Recruiter")
    vacancy = make.vacancy(
        essential=("Led a skills programme", "Worked with universities"),
        desirable=("Knows the Midlands",),
        recruiter_ids=(recruiter.id,),
    )
    panel = make.panel_member(full_name="Percy Panel")
    make.assign_panel(vacancy.id, panel.id)
    return Team(vacancy, recruiter, make.recruiter(), make.admin(), panel)


def applicant(
    make: Factory,
    world: Team,
    *,
    opted_in: bool,
    agreed: tuple[int | None, ...] = (),
    status: ApplicationStatus = ApplicationStatus.UNDER_REVIEW,
) -> SimpleNamespace:
    """An application on the team's vacancy with agreed scores for its essential criteria."""
    application = make.application(make.candidate().id, world.vacancy.id, status)
    for criterion_id, score in zip(world.essential_ids, agreed, strict=False):
        if score is not None:
            make.agreed(application.id, criterion_id, score)
    if opted_in:
        make.opt_in(application.id)
    return application


def row_for(html: str, application_id: int) -> str:
    """The board's table row that links to this application."""
    for row in re.split(r'<tr class="govuk-table__row">', html):
        if f'href="/admin/applications/{application_id}"' in row:
            return row
    raise AssertionError(f"no board row for application {application_id}")
