"""Run the portal, a Celery worker and Celery beat side by side until Ctrl-C (`make run`)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from recruit.cli.demo import DEMO_RECRUITER_EMAIL, PASSWORD_FILE_NAME

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Addresses that mean "every interface": a browser cannot open them, so links use loopback.
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}  # noqa: S104 - compared against, never bound here


def served_address(env: Mapping[str, str]) -> tuple[str, str]:
    """The host and port the web server listens on (RECRUIT_HOST, RECRUIT_PORT)."""
    return env.get("RECRUIT_HOST") or "127.0.0.1", env.get("RECRUIT_PORT") or "5000"


def base_url(env: Mapping[str, str]) -> str:
    """RECRUIT_BASE_URL if set, else the address this run serves, for every emailed link."""
    if env.get("RECRUIT_BASE_URL"):
        return env["RECRUIT_BASE_URL"].rstrip("/")
    host, port = served_address(env)
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}:{port}"


def process_table(instance: Path, env: Mapping[str, str]) -> dict[str, list[str]]:
    """The commands to run, by name."""
    host, port = served_address(env)
    return {
        # recruit.devserver is `flask run`'s server, logging requests without query strings.
        "web": [sys.executable, "-m", "recruit.web.devserver", "--host", host, "--port", port],
        "worker": [
            str(BIN / "celery"),
            "-A",
            "worker.main",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [
            str(BIN / "celery"),
            "-A",
            "worker.main",
            "beat",
            "--loglevel=INFO",
            "--schedule",
            str(instance / "celerybeat-schedule"),
        ],
    }


def demo_password(instance: Path) -> str | None:
    """The demo recruiter's password as `flask seed-demo` last set and kept it, if it did."""
    try:
        return (instance / PASSWORD_FILE_NAME).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def banner(env: Mapping[str, str], password: str | None) -> str:
    """What a newcomer needs to know once everything is up."""
    url = base_url(env)
    login = f"{DEMO_RECRUITER_EMAIL} / {password}" if password else "none yet: run `make seed`"
    mail_dir = (
        env.get("RECRUIT_MAIL_DIR") or f"{env.get('RECRUIT_INSTANCE_PATH') or 'instance'}/mail"
    )
    return "\n".join(
        [
            "",
            "  Midlands Engine Recruitment is running.",
            f"    Portal:            {url}/",
            f"    Log in:            {url}/login",
            f"    Demo recruiter:    {login}",
            f"    Health:            {url}/healthz",
            f"    Emails land in:    {mail_dir}/*.eml"
            if not env.get("RECRUIT_SMTP_URL")
            else f"    Emails go to:      {env['RECRUIT_SMTP_URL']}",
            "  Press Ctrl-C to stop the web server, the worker and the scheduler.",
            "",
        ]
    )


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment every process of this run gets: ours, plus what they must share."""
    env = dict(environ)
    # One key shared by every process of this run; production sets RECRUIT_SECRET_KEY itself.
    env.setdefault("RECRUIT_SECRET_KEY", secrets.token_hex(32))
    env.setdefault("PYTHONUNBUFFERED", "1")
    # Emailed links (from the web and the worker alike) point where this run actually serves.
    env["RECRUIT_BASE_URL"] = base_url(env)
    return env


def main() -> int:
    """Start every process, wait, and stop them all when one exits or on Ctrl-C."""
    env = child_environment(os.environ)
    instance = Path(env.get("RECRUIT_INSTANCE_PATH", ROOT / "instance"))
    instance.mkdir(parents=True, exist_ok=True)
    children = {
        name: subprocess.Popen(cmd, cwd=ROOT, env=env)
        for name, cmd in process_table(instance, env).items()
    }
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(banner(env, demo_password(instance)), flush=True)
    exit_code = 0
    while not stopping:
        for name, proc in children.items():
            if proc.poll() is not None:
                print(f"{name} exited with {proc.returncode}; stopping the others.", flush=True)
                exit_code = proc.returncode or 1
                stopping = True
        time.sleep(0.5)
    for proc in children.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in children.values():
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
