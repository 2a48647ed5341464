"""What happens to monitoring answers when the applications they describe are purged."""

from __future__ import annotations

from collections.abc import Sequence

from recruit.models import Application


def fold_into_tallies(applications: Sequence[Application]) -> None:
    """Before `applications` are deleted, fold their monitoring answers into anonymous tallies."""
    # Filled in by the monitoring work: adds each answer to the vacancy's per-stage tallies,
    # then deletes the answer rows, in the caller's transaction.
    return None
