"""A vacancy's hiring team: its recruiters and its panel members. Never commits.

The panel half (assign, unassign, who may be assigned) lives in `recruit.services.sift`; this
module keeps the recruiter half and the rule that a team never loses its last recruiter. Who may
change a team is `recruit.services.access.may_manage_team`.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import select

from recruit.extensions import db
from recruit.models import STAFF_ROLES, User, Vacancy, VacancyRecruiter
from recruit.services.access import is_team_recruiter

LAST_RECRUITER: Final = (
    "A hiring team must keep at least one recruiter. Add another recruiter before you remove "
    "this one"
)


class TeamError(ValueError):
    """A change to a team the rules do not allow; the message is fit to show the user."""


def recruiters_for(vacancy: Vacancy) -> list[User]:
    """The team's recruiters, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(VacancyRecruiter, VacancyRecruiter.user_id == User.id)
            .where(VacancyRecruiter.vacancy_id == vacancy.id)
            .order_by(User.full_name, User.id)
        )
    )


def contacts_for(vacancy_id: int) -> list[str]:
    """Names of the team's recruiters who can still act, for "ask one of them" messages."""
    return list(
        db.session.scalars(
            select(User.full_name)
            .join(VacancyRecruiter, VacancyRecruiter.user_id == User.id)
            .where(
                VacancyRecruiter.vacancy_id == vacancy_id,
                User.is_disabled.is_(False),
                User.erased_at.is_(None),
            )
            .order_by(User.full_name, User.id)
        )
    )


def addable_recruiters(vacancy: Vacancy) -> list[User]:
    """Active recruiters and admins not yet on the team, by name."""
    on_team = select(VacancyRecruiter.user_id).where(VacancyRecruiter.vacancy_id == vacancy.id)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role.in_(sorted(STAFF_ROLES)),
                User.is_disabled.is_(False),
                User.erased_at.is_(None),
                User.id.not_in(on_team),
            )
            .order_by(User.full_name, User.id)
        )
    )


def add_recruiter(vacancy: Vacancy, user: User) -> VacancyRecruiter:
    """Put a recruiter (or an admin) on the vacancy's hiring team."""
    if user.role not in STAFF_ROLES or user.is_disabled or user.erased_at is not None:
        raise TeamError("Select a recruiter from the list")
    if is_team_recruiter(user, vacancy.id):
        raise TeamError(f"{user.full_name} is already on this hiring team")
    row = VacancyRecruiter(vacancy_id=vacancy.id, user_id=user.id)
    db.session.add(row)
    return row


def remove_recruiter(vacancy: Vacancy, user_id: int) -> None:
    """Take a recruiter off the team, unless they are its last one.

    The vacancy's recruiter rows are locked first, so two recruiters removing each other at the
    same moment cannot leave the team with none.
    """
    rows = list(
        db.session.scalars(
            select(VacancyRecruiter)
            .where(VacancyRecruiter.vacancy_id == vacancy.id)
            .order_by(VacancyRecruiter.user_id)
            .with_for_update()
        )
    )
    row = next((r for r in rows if r.user_id == user_id), None)
    if row is None:
        raise TeamError("That person is not on this hiring team")
    if len(rows) <= 1:
        raise TeamError(LAST_RECRUITER)
    db.session.delete(row)
