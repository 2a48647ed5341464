"""The deployment files describe the topology the README promises."""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from recruit.config import DEFAULTS
from testkit import frontend

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_runs_every_part_of_the_service() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "mailpit", "migrate"} <= set(services)
    for name in ("postgres", "redis", "web", "worker", "mailpit"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    assert services["worker"]["command"][:4] == ["celery", "-A", "worker.main", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "worker.main", "beat"]
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()


def test_one_environment_for_web_worker_and_beat() -> None:
    services = compose()["services"]
    envs = [services[name]["environment"] for name in ("web", "worker", "beat", "migrate")]
    assert all(env == envs[0] for env in envs)
    env = envs[0]
    assert env["RECRUIT_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["RECRUIT_REDIS_URL"].startswith("redis://redis:")
    assert env["RECRUIT_SMTP_URL"] == "smtp://mailpit:1025"
    assert env["RECRUIT_ENV"] == "production"


def test_data_lives_in_volumes() -> None:
    spec = compose()
    assert {"pgdata", "redisdata", "uploads"} <= set(spec["volumes"])
    assert "uploads:/data" in spec["services"]["worker"]["volumes"]
    assert "uploads:/data" in spec["services"]["web"]["volumes"]


def test_the_image_and_the_fault_tests_share_one_gunicorn_config() -> None:
    from tests.faults.services import web_command

    assert "COPY gunicorn.conf.py" in (ROOT / "Dockerfile").read_text()
    settings: dict[str, Any] = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - our own config file
    # Enough threads to take a crowd in; only a few work at once, each holding <= 2 connections.
    assert settings["worker_class"] == "gthread" and settings["threads"] >= 16
    assert 0 < DEFAULTS["WEB_WORK_SLOTS"] * 2 <= DEFAULTS["DB_POOL_SIZE"]
    assert str(ROOT / "gunicorn.conf.py") in web_command(8000)


def test_compose_migrates_but_never_seeds_demo_data() -> None:
    migrate = compose()["services"]["migrate"]
    command = " ".join(migrate["command"])
    assert "db upgrade" in command
    assert "seed-demo" not in command  # production seeds only when the deployer asks


@pytest.mark.parametrize(
    "path",
    [
        "docker-compose.yml",
        "Makefile",
        "scripts/run_local.py",
        "recruit/cli/commands.py",
        "recruit/cli/demo.py",
    ],
)
def test_no_published_demo_password_remains(path: str) -> None:
    assert "midlands-demo-recruiter" not in (ROOT / path).read_text()


def _dry_run(target: str, venv: Path) -> str:
    """The commands `make <target>` would run on a machine with no virtualenv yet."""
    result = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    return result.stdout


def test_make_run_installs_only_what_running_needs(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    commands = _dry_run("run", tmp_path / "venv")
    assert "pip install --quiet -e ." in commands
    assert "[dev]" not in commands
    # ...while the test and CI targets still get ruff, mypy, pytest and friends.
    for target in ("test", "faults", "audit"):
        assert "pip install --quiet -e '.[dev]'" in _dry_run(target, tmp_path / "venv"), target


def test_compose_puts_nginx_before_the_web_tier_and_believes_only_its_stamp() -> None:
    services = compose()["services"]
    nginx = services["nginx"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert "ports" not in services["web"]  # nothing reaches gunicorn but nginx
    address = nginx["networks"]["default"]["ipv4_address"]
    env = services["web"]["environment"]
    assert env["RECRUIT_ARRIVAL_STAMP_PROXIES"] == address
    assert env["RECRUIT_TRUSTED_PROXIES"] == "1"
    subnet = compose()["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)


def test_nginx_stamps_arrival_replaces_forwarded_headers_and_logs_no_query() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert 'proxy_set_header X-Request-Start "t=${msec}";' in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_request_buffering on;" in conf
    log_format = conf[conf.index("log_format") : conf.index("access_log")]
    for leak in (
        "$request ",
        '$request"',
        "$request_uri",
        "$args",
        "$query_string",
        "$http_referer",
    ):
        assert leak not in log_format


@pytest.mark.skipif(shutil.which("nginx") is None, reason="Debian's nginx is not installed")
def test_the_rendered_front_end_is_a_valid_nginx_config(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(frontend.render(tmp_path, 8081, 8000))
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / name).mkdir()
    directives = f"pid {tmp_path / 'nginx.pid'}; error_log {tmp_path / 'error.log'};"
    checked = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(conf), "-g", directives],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
