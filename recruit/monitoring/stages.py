"""The stages a monitoring report counts, and the one rule for which an application reached."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from recruit.models import Application, ApplicationStatus

S = ApplicationStatus

STAGES: Final = ("applied", "longlisted", "shortlisted", "interviewed", "offered")
STAGE_LABELS: Final = {
    "applied": "Applied",
    "longlisted": "Longlisted",
    "shortlisted": "Shortlisted",
    "interviewed": "Interviewed",
    "offered": "Offered",
}
# A status that, once held, means the stage was reached (whatever happened after).
_REACHED_BY_STATUS: Final = {
    "applied": frozenset({S.SUBMITTED}),
    "shortlisted": frozenset({S.SHORTLISTED}),
    "interviewed": frozenset({S.INTERVIEW}),
    "offered": frozenset({S.OFFER, S.APPOINTED}),
}


def stages_reached(
    status: ApplicationStatus,
    history: Iterable[ApplicationStatus],
    on_longlist: bool,
    on_shortlist: bool,
) -> list[str]:
    """The stages an application reached, in order: each stage implies every earlier one.

    A stage counts if the application holds or ever held its status (the status history), or
    for the lists, sits on the recruiters' longlist or shortlist now. A draft reached none.
    Later stages imply earlier ones, so an application interviewed without being put on the
    longlist counts as longlisted: the report is a funnel.
    """
    held = {status, *history}
    direct = {stage: bool(held & statuses) for stage, statuses in _REACHED_BY_STATUS.items()}
    direct["longlisted"] = on_longlist
    direct["shortlisted"] = direct["shortlisted"] or on_shortlist
    if status is S.DRAFT and not direct["applied"]:
        return []
    reached: list[str] = []
    later = False
    for stage in reversed(STAGES):
        later = later or direct[stage] or stage == "applied"
        if later:
            reached.append(stage)
    return list(reversed(reached))


def application_stages(application: Application) -> list[str]:
    """`stages_reached` for a loaded application (its history is read)."""
    return stages_reached(
        application.status,
        [change.to_status for change in application.history],
        application.on_longlist,
        application.on_shortlist,
    )
