"""Fault tests run only under `make faults` (RECRUIT_FAULTS=1): they take minutes, not seconds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support.databases import strict

ENABLED = os.environ.get("RECRUIT_FAULTS", "") == "1"
TOOLS = ("redis-server", "pg_createcluster", "pg_ctlcluster", "pg_dropcluster")
HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every fault test unless RECRUIT_FAULTS=1; under CI a missing tool is an error."""
    ours = [item for item in items if HERE in item.path.parents]
    reason = ""
    if not ENABLED:
        reason = "fault tests run with `make faults` (RECRUIT_FAULTS=1)"
    elif missing := [tool for tool in TOOLS if shutil.which(tool) is None]:
        reason = f"fault tests need {', '.join(missing)}"
        if strict():
            raise pytest.UsageError(reason)
    if reason:
        for item in ours:
            item.add_marker(pytest.mark.skip(reason=reason))
