"""Load from wrk (Debian's package), bounded in time and, for submits, in requests.

Every run uses the same connections, threads and duration for the product and its baseline.
The scripts are bench/*.lua; each prints one JSON line from its done() (bench/report.lua).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
THREADS = 2
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
REQUEST_TIMEOUT = 10  # seconds; a slower answer counts as a wrk timeout
MARK = "BENCH-JSON "


@dataclass(frozen=True)
class Result:
    """What one wrk run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # connect, read, write and timeout errors, and non-2xx/3xx answers
    error_kinds: str  # the non-zero kinds, e.g. "status=3 timeout=1"
    accepted: int  # submits answered with a redirect (-1 when the script does not count)
    refused: int  # submits answered otherwise
    refused_5xx: int  # of which with a 5xx
    exhausted: bool  # a thread ran out of prepared requests before the time was up
    answers: str = ""  # status codes the server logged for the run, when known

    @property
    def rate(self) -> float:
        """Requests per second; for submits, accepted submits per second."""
        done = self.accepted if self.accepted >= 0 else self.requests
        return done / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        """A short account for a '#' detail line."""
        text = f"{self.rate:.1f}/s p50={self.p50_ms:.0f}ms p99={self.p99_ms:.0f}ms"
        if self.errors:
            text += f" errors={self.errors} ({self.error_kinds})"
        if self.accepted >= 0:
            text += f" accepted={self.accepted} refused={self.refused} (5xx: {self.refused_5xx})"
        if self.answers:
            text += f" answers={self.answers}"
        return text + (" (ran out of prepared requests)" if self.exhausted else "")


def wrk_binary() -> str:
    """The wrk executable; `make bench` installs Debian's package when it is missing."""
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    return found


def run(url: str, script: str, args: Sequence[str] = (), headers: Sequence[str] = ()) -> Result:
    """Run wrk against `url` with bench/<script> for SECONDS on CONNECTIONS; its figures."""
    command = [wrk_binary(), f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s"]
    command += [f"--timeout={REQUEST_TIMEOUT}s", "-s", script]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    if args:
        command += ["--", *args]
    done = subprocess.run(
        command,
        cwd=BENCH_DIR,  # the scripts dofile("report.lua")
        capture_output=True,
        text=True,
        timeout=SECONDS + REQUEST_TIMEOUT + 30,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith(MARK)), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    data = json.loads(line[len(MARK) :])
    kinds = ("connect", "read", "write", "status", "timeout")
    errors = sum(data[k] for k in kinds)
    return Result(
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1e3,
        p99_ms=data["p99_us"] / 1e3,
        errors=errors,
        error_kinds=" ".join(f"{k}={data[k]}" for k in kinds if data[k]),
        accepted=int(data["accepted"]),
        refused=int(data["refused"]),
        refused_5xx=int(data["refused_5xx"]),
        exhausted=bool(data["exhausted"]),
    )


def get(url: str, headers: Sequence[str] = ()) -> Result:
    """GET `url` under load."""
    return run(url, "get.lua", headers=headers)


def unique(url: str, headers: Sequence[str] = ()) -> Result:
    """GET `url` under load, each request with a query string no other request has."""
    return run(url, "unique.lua", headers=headers)


def insert(bare_url: str) -> Result:
    """POST the bare one-INSERT endpoint under load."""
    return run(f"{bare_url}/insert", "insert.lua")


def submits(url: str, folder: Path) -> Result:
    """Send the prepared submits in `folder` (bench.http.write_requests), each once."""
    return run(url, "submit.lua", args=[str(folder), str(THREADS)])
