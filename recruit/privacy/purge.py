"""Deleting applications' personal data, leaving anonymous counts (retention and erasure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from recruit.models import Application


@dataclass
class PurgeResult:
    """What a purge removed: counts for the receipt, and files to delete after the commit."""

    applications: int = 0
    files: list[Path] = field(default_factory=list)


def purge_applications(applications: Sequence[Application], reason: str) -> PurgeResult:
    """Delete `applications` and everything about them, in the caller's transaction.

    Folds their outcomes (and, through `recruit.monitoring.retention`, their monitoring
    answers) into anonymous per-vacancy tallies first. The caller deletes `files` from disk
    after its commit, so a rollback never leaves rows pointing at deleted files.
    """
    raise NotImplementedError  # filled in by the retention work
