"""Who may do what in the sift: the one home of the permission predicates.

Rules kept here and nowhere else:
- recruiters and admins may open any vacancy; panel members only the vacancies they are
  assigned to, and only applications from the sift on (SIFT_STATUSES);
- a vacancy's moderators lead it: an admin, or a recruiter who runs it; they alone record agreed
  scores, see the panel's scores without scoring and export;
- an identity shows to assessors unless the sift is anonymised, then from the shortlist on
  (IDENTIFIED_STATUSES) or once revealed (SQL twin: `recruit.exports.rows`);
- nobody sees others' scores for an application until their own set is submitted, an abstention
  included, whatever their role (SQL twin: `recruit.services.board.board_query`).

The web tier turns a refusal into a status (`recruit.admin.access`); nothing here reads the
request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from sqlalchemy import exists, select

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    PanelAssignment,
    Role,
    Score,
    User,
    VacancyRecruiter,
)

S = ApplicationStatus

# Panel members see applications from the sift on: not drafts, not ones still only submitted,
# not withdrawn ones.
SIFT_STATUSES: Final = frozenset(
    {S.UNDER_REVIEW, S.SHORTLISTED, S.INTERVIEW, S.OFFER, S.APPOINTED, S.UNSUCCESSFUL}
)
# In an anonymised sift the candidate is named from the shortlist on.
IDENTIFIED_STATUSES: Final = frozenset({S.SHORTLISTED, S.INTERVIEW, S.OFFER, S.APPOINTED})
# Everyone who assesses applications: recruiters, admins and panel members.
ASSESSOR_ROLES: Final = frozenset({Role.RECRUITER, Role.ADMIN, Role.PANEL})


def is_assigned(vacancy_id: int, user_id: int) -> bool:
    """Whether the panel member is assigned to the vacancy."""
    assigned = select(PanelAssignment).where(
        PanelAssignment.vacancy_id == vacancy_id, PanelAssignment.user_id == user_id
    )
    return bool(db.session.scalar(select(exists(assigned))))


def may_open_vacancy(user: User, vacancy_id: int) -> bool:
    """Recruiters and admins may open any vacancy; panel members only those they assess."""
    if user.role is Role.PANEL:
        return is_assigned(vacancy_id, user.id)
    return user.role in (Role.RECRUITER, Role.ADMIN)


def is_moderator(user: User, vacancy_id: int) -> bool:
    """The lead recruiter: an admin, or a recruiter who runs this vacancy."""
    if user.role is Role.ADMIN:
        return True
    if user.role is not Role.RECRUITER:
        return False
    runs = select(VacancyRecruiter).where(
        VacancyRecruiter.vacancy_id == vacancy_id, VacancyRecruiter.user_id == user.id
    )
    return bool(db.session.scalar(select(exists(runs))))


def may_export(user: User, vacancy_id: int) -> bool:
    """Exports carry every name and score, so only the vacancy's moderators may ask for one."""
    return is_moderator(user, vacancy_id)


def may_score(user: User, application: Application) -> bool:
    """Assessors who may open the vacancy score its applications once they reach the sift."""
    return (
        user.role in ASSESSOR_ROLES
        and application.status in SIFT_STATUSES
        and may_open_vacancy(user, application.vacancy_id)
    )


def identity_visible(application: Application, viewer: User) -> bool:
    """Whether `viewer` may see who the candidate is: name, email, CV and account details."""
    if viewer.role not in ASSESSOR_ROLES:
        return False
    if not application.vacancy.anonymised_sift:
        return True
    return application.status in IDENTIFIED_STATUSES or bool(application.reveals)


def has_submitted(mine: Mapping[int, Score]) -> bool:
    """Whether this set of the assessor's own scores has been submitted."""
    return any(s.submitted_at is not None for s in mine.values())


def can_see_others(viewer: User, mine: Mapping[int, Score]) -> bool:
    """Others' scores show once the viewer's own set is submitted (or abstained): every role."""
    return has_submitted(mine)


def may_abstain(viewer: User, vacancy_id: int, mine: Mapping[int, Score]) -> bool:
    """Whether the viewer may still choose to see the panel's scores without scoring."""
    return not has_submitted(mine) and is_moderator(viewer, vacancy_id)
