"""A wall clock for the rate limiter that moves only when a test says so."""

from __future__ import annotations

import time

from flask import Flask

from recruit.web.ratelimit import Limiter


class StoppedClock:
    """Seconds since the epoch, starting now, advanced by hand: an hour passes in no time."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass."""
        self.now += seconds


def stop_the_clock(app: Flask) -> StoppedClock:
    """Give `app`'s rate limiter a stopped clock and return it."""
    clock = StoppedClock()
    limiter: Limiter = app.extensions["recruit.limiter"]
    limiter.clock = clock
    return clock
