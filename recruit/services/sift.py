"""The sift: what identity a viewer is shown, reveals, panels and internal notes.

`display_identity` shows a candidate's name or their candidate number as
`recruit.services.access.identity_visible` decides; every page, download and export asks one of
them. Who may assess what is decided in `recruit.services.access`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationNote,
    IdentityReveal,
    PanelAssignment,
    Role,
    User,
    Vacancy,
    utcnow,
)
from recruit.services.access import identity_visible, is_assigned

NOTE_CHARS: Final = 5000
REASON_CHARS: Final = 1000


class SiftError(ValueError):
    """A sift action the rules do not allow; the message is fit to show the user."""


def display_identity(application: Application, viewer: User) -> str:
    """The candidate's name if `viewer` may see it, otherwise their candidate number."""
    if identity_visible(application, viewer):
        return application.candidate.full_name
    return f"Candidate {application.candidate_number}"


def reveal(application: Application, actor: User, reason: str) -> IdentityReveal:
    """Record that `actor` revealed the candidate's identity, and why."""
    reason = reason.strip()
    if not reason:
        raise SiftError("Enter the reason for revealing this candidate's identity")
    record = IdentityReveal(
        application_id=application.id,
        revealed_by_id=actor.id,
        reason=reason[:REASON_CHARS],
        revealed_at=utcnow(),
    )
    application.reveals.append(record)
    return record


def reveals_for(application: Application) -> list[IdentityReveal]:
    """Every reveal of this application, oldest first, with who made it."""
    return list(
        db.session.scalars(
            select(IdentityReveal)
            .options(selectinload(IdentityReveal.revealed_by))
            .where(IdentityReveal.application_id == application.id)
            .order_by(IdentityReveal.revealed_at, IdentityReveal.id)
        )
    )


def add_note(application: Application, author: User, body: str) -> ApplicationNote:
    """An internal note on the application; candidates and panel members never see notes."""
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise SiftError("Enter a note")
    note = ApplicationNote(
        application_id=application.id, author_id=author.id, body=body[:NOTE_CHARS]
    )
    note.created_at = utcnow()
    db.session.add(note)
    return note


def notes_for(application: Application) -> list[ApplicationNote]:
    """The application's internal notes, newest first."""
    return list(
        db.session.scalars(
            select(ApplicationNote)
            .options(selectinload(ApplicationNote.author))
            .where(ApplicationNote.application_id == application.id)
            .order_by(ApplicationNote.created_at.desc(), ApplicationNote.id.desc())
        )
    )


def assigned_vacancies(user: User) -> list[Vacancy]:
    """The vacancies a panel member assesses, newest closing first."""
    return list(
        db.session.scalars(
            select(Vacancy)
            .join(PanelAssignment, PanelAssignment.vacancy_id == Vacancy.id)
            .where(PanelAssignment.user_id == user.id)
            .order_by(Vacancy.closes_at.desc(), Vacancy.id.desc())
        )
    )


def panel_for(vacancy: Vacancy) -> list[PanelAssignment]:
    """The vacancy's panel, by name."""
    return list(
        db.session.scalars(
            select(PanelAssignment)
            .join(User, User.id == PanelAssignment.user_id)
            .options(selectinload(PanelAssignment.user))
            .where(PanelAssignment.vacancy_id == vacancy.id)
            .order_by(User.full_name, User.id)
        )
    )


def assignable(vacancy: Vacancy) -> list[User]:
    """Active panel members not yet on this vacancy's panel, by name."""
    on_panel = select(PanelAssignment.user_id).where(PanelAssignment.vacancy_id == vacancy.id)
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.PANEL, User.is_disabled.is_(False))
            .where(User.id.not_in(on_panel))
            .order_by(User.full_name, User.id)
        )
    )


def assign(vacancy: Vacancy, user: User, actor: User) -> PanelAssignment:
    """Put a panel member on the vacancy's panel."""
    if user.role is not Role.PANEL:
        raise SiftError("Only panel members can be assigned to a panel")
    if is_assigned(vacancy.id, user.id):
        raise SiftError(f"{user.full_name} is already on this panel")
    assignment = PanelAssignment(
        vacancy_id=vacancy.id, user_id=user.id, assigned_by_id=actor.id, assigned_at=utcnow()
    )
    db.session.add(assignment)
    return assignment


def unassign(vacancy: Vacancy, user_id: int) -> None:
    """Take a panel member off the vacancy's panel; their submitted scores stay."""
    assignment = db.session.get(PanelAssignment, (vacancy.id, user_id))
    if assignment is None:
        raise SiftError("That person is not on this panel")
    db.session.delete(assignment)


def set_list(applications: Sequence[Application], which: str, value: bool) -> None:
    """Add the applications to, or take them off, the longlist or the shortlist."""
    if which not in ("longlist", "shortlist"):
        raise SiftError("Choose the longlist or the shortlist")
    for application in applications:
        setattr(application, f"on_{which}", value)
