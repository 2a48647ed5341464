"""Who may do what in the sift: the one home of the permission predicates.

Rules kept here and nowhere else:
- a vacancy's *hiring team* is its recruiters (`VacancyRecruiter`) and its panel members
  (`PanelAssignment`); every staff member may open a vacancy's own page, panel members only
  the vacancies they are assigned to;
- only the hiring team and admins may open a vacancy's applications (read, reveal, move, email,
  score, note, export); panel members only from the sift on (SIFT_STATUSES); a recruiter
  outside the team is refused and told who to ask;
- an admin keeps full access, but an admin who is not one of the team's recruiters is audited
  on every access to its applications (`admin_access_audited`);
- an admin or one of the team's recruiters manages the team (which keeps at least one
  recruiter) and the vacancy itself: edits, publishes, reopens and closes it
  (`may_manage_vacancy`; an admin outside the team is audited);
- a vacancy's moderators lead it: an admin, or one of its team's recruiters; they alone record
  agreed scores, see the panel's scores without scoring and export;
- an identity shows to assessors unless the sift is anonymised, then from the shortlist on
  (IDENTIFIED_STATUSES) or once revealed (SQL twin: `recruit.exports.rows`);
- nobody sees others' scores for an application until their own set is submitted, an abstention
  included, whatever their role (SQL twin: `recruit.services.board.board_query`).

SQL twins of the team rule: `recruit.services.board.role_scope` (lists and counts).
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


def is_team_recruiter(user: User, vacancy_id: int) -> bool:
    """Whether the user is one of the recruiters on the vacancy's team (an admin may be one)."""
    runs = select(VacancyRecruiter).where(
        VacancyRecruiter.vacancy_id == vacancy_id, VacancyRecruiter.user_id == user.id
    )
    return bool(db.session.scalar(select(exists(runs))))


def on_hiring_team(user: User, vacancy_id: int) -> bool:
    """Whether the user is on the vacancy's hiring team: one of its recruiters or its panel."""
    if user.role is Role.PANEL:
        return is_assigned(vacancy_id, user.id)
    return user.role in (Role.RECRUITER, Role.ADMIN) and is_team_recruiter(user, vacancy_id)


def may_open_vacancy(user: User, vacancy_id: int) -> bool:
    """The vacancy's own page: any recruiter or admin; panel members only those they assess."""
    if user.role is Role.PANEL:
        return is_assigned(vacancy_id, user.id)
    return user.role in (Role.RECRUITER, Role.ADMIN)


def may_open_applications(user: User, vacancy_id: int) -> bool:
    """The vacancy's applications: admins always; otherwise only its hiring team."""
    if user.role is Role.ADMIN:
        return True
    return on_hiring_team(user, vacancy_id)


def admin_access_audited(user: User, vacancy_id: int) -> bool:
    """An admin opening applications of a vacancy whose team they are not on is audited."""
    return user.role is Role.ADMIN and not is_team_recruiter(user, vacancy_id)


def may_manage_team(user: User, vacancy_id: int) -> bool:
    """Who adds and removes the team's recruiters and panel members: an admin or a team
    recruiter."""
    return is_moderator(user, vacancy_id)


def is_moderator(user: User, vacancy_id: int) -> bool:
    """The lead recruiter: an admin, or one of the vacancy's team recruiters."""
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.RECRUITER and is_team_recruiter(user, vacancy_id)


def may_export(user: User, vacancy_id: int) -> bool:
    """Exports carry every name and score, so only the vacancy's moderators may ask for one."""
    return is_moderator(user, vacancy_id)


def may_score(user: User, application: Application) -> bool:
    """The hiring team (and admins) score the vacancy's applications once they reach the sift."""
    return (
        user.role in ASSESSOR_ROLES
        and application.status in SIFT_STATUSES
        and may_open_applications(user, application.vacancy_id)
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


def may_see_adjustments(user: User, vacancy_id: int) -> bool:
    """Adjustment requests and the guaranteed-interview opt-in: the vacancy's recruiters (its
    moderators) and admins only; never the sift panel, nor recruiters outside the vacancy.
    SQL twin: `recruit.services.board.adjustments_scope`."""
    return is_moderator(user, vacancy_id)


def may_manage_retention(user: User) -> bool:
    """Retention periods, legal holds and purge receipts: admins only."""
    return user.role is Role.ADMIN


def may_view_equality_reports(user: User) -> bool:
    """Equality monitoring reports (aggregate, suppressed): admins and the equality role only."""
    return bool(user.is_authenticated) and user.role in (Role.ADMIN, Role.EQUALITY)


def may_handle_access_requests(user: User) -> bool:
    """Subject access requests received by post or email, and every request's pack: admins."""
    return user.role is Role.ADMIN


def may_download_access_pack(user: User, owner_id: int) -> bool:
    """A subject access pack: the person it is about, or an admin answering the request."""
    return user.id == owner_id or may_handle_access_requests(user)


def may_manage_vacancy(user: User, vacancy_id: int) -> bool:
    """Editing, publishing, reopening and closing a vacancy (closing emails its recruiters):
    an admin or one of its team's recruiters; other recruiters only read its page."""
    return is_moderator(user, vacancy_id)
