"""Debian's nginx on loopback, in front of a local web tier, rendered from deploy/nginx.conf.

The fault tests and `make bench` put exactly the front end that docker-compose.yml runs before
gunicorn: the same file, with only the addresses, the log and the scratch folders changed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOYED = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
START_SECONDS = 15.0
_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"deploy/nginx.conf no longer has exactly one {old!r}")
    return text.replace(old, new)


def render(workdir: Path, listen_port: int, upstream_port: int) -> str:
    """deploy/nginx.conf for 127.0.0.1 ports, logging and buffering into `workdir`."""
    text = DEPLOYED.read_text(encoding="utf-8")
    text = _replace_once(text, "server web:8000;", f"server 127.0.0.1:{upstream_port};")
    text = _replace_once(text, "listen 80;", f"listen 127.0.0.1:{listen_port} backlog=4096;")
    text = _replace_once(
        text, "access_log /dev/stdout recruit;", f"access_log {workdir / 'access.log'} recruit;"
    )
    temp = "".join(f"    {name}_temp_path {workdir / name};\n" for name in _TEMP_PATHS)
    return _replace_once(text, "http {\n", "http {\n" + temp)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def nginx_front(workdir: Path, upstream_port: int) -> Iterator[int]:
    """Run nginx before 127.0.0.1:`upstream_port`; yield the port it listens on."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in _TEMP_PATHS:
        (workdir / name).mkdir(exist_ok=True)
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(render(workdir, port, upstream_port), encoding="utf-8")
    # As root, nginx's workers would otherwise drop to `nobody`, who cannot use these folders.
    user = "user root; " if os.geteuid() == 0 else ""
    logs = f"pid {workdir / 'nginx.pid'}; error_log {workdir / 'error.log'};"
    directives = f"{user}daemon off; {logs}"
    with (workdir / "nginx.out").open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 -- our own nginx and a file we just wrote
            [NGINX, "-p", str(workdir), "-c", str(conf), "-g", directives],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        began = time.monotonic()
        while not _listening(port):
            if proc.poll() is not None or time.monotonic() - began > START_SECONDS:
                errors = (workdir / "nginx.out").read_text(errors="replace")
                raise RuntimeError(f"nginx did not start: {errors}")
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
