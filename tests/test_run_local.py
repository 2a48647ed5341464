"""`make run`'s launcher: emailed links follow the port it serves; the banner tells the truth."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from recruit import create_app
from recruit.cli.demo import DEMO_RECRUITER_EMAIL, PASSWORD_FILE_NAME, write_password_file
from recruit.urls import external_url

ROOT = Path(__file__).resolve().parent.parent
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - an address to turn into a link, never bound


@pytest.fixture(scope="module")
def run_local() -> ModuleType:
    """scripts/run_local.py, loaded as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("run_local", ROOT / "scripts" / "run_local.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"RECRUIT_PORT": "5101"}, "http://127.0.0.1:5101"),
        ({"RECRUIT_HOST": "localhost", "RECRUIT_PORT": "8080"}, "http://localhost:8080"),
        ({"RECRUIT_HOST": EVERY_INTERFACE, "RECRUIT_PORT": "5101"}, "http://127.0.0.1:5101"),
        ({"RECRUIT_HOST": "::1", "RECRUIT_PORT": "5101"}, "http://[::1]:5101"),
        (
            {"RECRUIT_PORT": "5101", "RECRUIT_BASE_URL": "https://jobs.example.org/"},
            "https://jobs.example.org",
        ),
    ],
)
def test_the_base_url_follows_the_served_address(
    run_local: ModuleType, env: dict[str, str], expected: str
) -> None:
    assert run_local.base_url(env) == expected


def test_every_process_builds_emailed_links_on_the_served_port(
    run_local: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = run_local.child_environment({"RECRUIT_PORT": "5101", "PATH": "/usr/bin"})
    assert env["RECRUIT_BASE_URL"] == "http://127.0.0.1:5101"
    # The web and the worker read it as every app does: from RECRUIT_* variables.
    monkeypatch.setenv("RECRUIT_BASE_URL", env["RECRUIT_BASE_URL"])
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        link = external_url("auth.reset_password", token="t0k3n")
    assert link.startswith("http://127.0.0.1:5101/")
    assert run_local.process_table(tmp_path, env)["web"][-2:] == ["--port", "5101"]


def test_the_banner_prints_the_password_seed_demo_kept(
    run_local: ModuleType, tmp_path: Path
) -> None:
    assert "run `make seed`" in run_local.banner({}, run_local.demo_password(tmp_path))
    write_password_file(tmp_path / PASSWORD_FILE_NAME, "abcde-fghij-klmno-pqrst")
    banner = run_local.banner({"RECRUIT_PORT": "5101"}, run_local.demo_password(tmp_path))
    assert f"{DEMO_RECRUITER_EMAIL} / abcde-fghij-klmno-pqrst" in banner
    assert "http://127.0.0.1:5101/login" in banner
    assert "midlands-demo-recruiter" not in banner
