"""Run the portal, a Celery worker and Celery beat side by side until Ctrl-C (`make run`)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = os.environ.get("RECRUIT_HOST", "127.0.0.1")
PORT = os.environ.get("RECRUIT_PORT", "5000")


def process_table(instance: Path) -> dict[str, list[str]]:
    """The commands to run, by name."""
    return {
        "web": [str(BIN / "flask"), "--app", "recruit", "run", "--host", HOST, "--port", PORT],
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


def banner(email: str, password: str) -> str:
    """What a newcomer needs to know once everything is up."""
    url = f"http://{HOST}:{PORT}"
    return "\n".join(
        [
            "",
            "  Midlands Engine Recruitment is running.",
            f"    Portal:            {url}/",
            f"    Log in:            {url}/login",
            f"    Demo recruiter:    {email} / {password}",
            f"    Health:            {url}/healthz",
            f"    Emails land in:    {os.environ.get('RECRUIT_MAIL_DIR') or 'instance/mail/*.eml'}"
            if not os.environ.get("RECRUIT_SMTP_URL")
            else f"    Emails go to:      {os.environ['RECRUIT_SMTP_URL']}",
            "  Press Ctrl-C to stop the web server, the worker and the scheduler.",
            "",
        ]
    )


def main() -> int:
    """Start every process, wait, and stop them all when one exits or on Ctrl-C."""
    env = dict(os.environ)
    # One key shared by every process of this run; production sets RECRUIT_SECRET_KEY itself.
    env.setdefault("RECRUIT_SECRET_KEY", secrets.token_hex(32))
    env.setdefault("PYTHONUNBUFFERED", "1")
    instance = Path(env.get("RECRUIT_INSTANCE_PATH", ROOT / "instance"))
    instance.mkdir(parents=True, exist_ok=True)
    children = {
        name: subprocess.Popen(cmd, cwd=ROOT, env=env)
        for name, cmd in process_table(instance).items()
    }
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(
        banner(
            env.get("DEMO_EMAIL", "recruiter@midlandsengine.example"),
            env.get("DEMO_PASSWORD", "midlands-demo-recruiter"),
        ),
        flush=True,
    )
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
