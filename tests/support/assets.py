"""The front-end build (scripts/build_assets.sh), made once per test session and shared."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "recruit" / "static"
BUILD = STATIC / "build"
SCRIPT = ROOT / "scripts" / "build_assets.sh"
OUTPUTS = ("recruit.css", "recruit.js", "govuk-frontend.min.js")
SOURCES = [
    ROOT / "package.json",
    ROOT / "package-lock.json",
    SCRIPT,
    *sorted((ROOT / "assets").rglob("*")),
]


def _up_to_date() -> bool:
    """Every output exists and is newer than every source file."""
    outputs = [BUILD / name for name in OUTPUTS]
    if not all(path.is_file() for path in outputs):
        return False
    newest_source = max(path.stat().st_mtime for path in SOURCES if path.is_file())
    return min(path.stat().st_mtime for path in outputs) >= newest_source


@pytest.fixture(scope="session")
def built_assets() -> Path:
    """Build the assets once (per xdist worker, serialised by a lock; later workers reuse it)."""
    if shutil.which("npm") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("npm is not installed, so the front-end assets cannot be built")
        pytest.skip("npm is not installed; the front-end build is checked in CI")
    BUILD.mkdir(parents=True, exist_ok=True)
    with open(BUILD / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _up_to_date():
            result = subprocess.run(
                ["bash", str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=240
            )
            assert result.returncode == 0, (
                f"build_assets.sh failed:\n{result.stdout}\n{result.stderr}"
            )
    return BUILD
