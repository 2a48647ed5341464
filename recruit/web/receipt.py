"""When the service received a request, by the database clock: the moment deadlines judge.

A candidate who presses "Submit" before the closing time has applied on time, however long the
request then waits behind others in the web tier. So the deadline is judged at the moment the
whole request had arrived, by the database clock, not as the clock stands when the guarded
UPDATE finally runs. The browser's clock plays no part, nor anything else the client sends.

The database clock is read by the request's first query, its session lookup; the body is read
next (before the request waits for a work slot, see recruit.web.admission), and the receipt is that
reading plus the time the body took to arrive, measured on this process's monotonic clock.

Behind the front end that compose runs (deploy/nginx.conf), a request can also wait before any
gunicorn thread reads it. nginx reads each whole request as it comes and stamps when it had
arrived (`X-Request-Start: t=<seconds since the epoch>`). The stamp is believed only from the
addresses in ARRIVAL_STAMP_PROXIES, the peer being the one that really connected (never an
X-Forwarded-For), and nginx overwrites whatever a client sent in that header. The receipt is then
moved back by the time since the stamp, so a request that queued is judged when it arrived.

A receipt counts for RECEIPT_VALIDITY: a request that waited longer than that to reach its
decision is judged by the clock at the decision. The scheduled closing job waits the longer
CLOSING_GRACE after a closing time (both in recruit.deadlines).
"""

from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, g, has_request_context, request, session

from recruit.deadlines import RECEIPT_VALIDITY

STAMP_HEADER = "X-Request-Start"
# nginx's ${msec}: whole seconds since the epoch and milliseconds, ASCII digits only.
_STAMP = re.compile(r"t=([0-9]{9,11}(?:\.[0-9]{1,6})?)\Z", re.ASCII)
_PROXIES = "recruit.arrival_stamp_proxies"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ClockReading:
    """The database clock at one moment, paired with this process's monotonic clock then."""

    at: datetime
    monotonic: float

    @classmethod
    def taken(cls, at: datetime) -> ClockReading:
        """A reading of the database clock that has just come back as `at`."""
        return cls(at, time.monotonic())

    def moved_on(self) -> ClockReading:
        """The same clock now: the reading plus the monotonic time since it was taken."""
        now = time.monotonic()
        return ClockReading(self.at + timedelta(seconds=now - self.monotonic), now)

    def moved_back(self, seconds: float) -> ClockReading:
        """The same clock `seconds` earlier."""
        return ClockReading(self.at - timedelta(seconds=seconds), self.monotonic - seconds)

    def age(self) -> float:
        """Seconds since the reading, on the monotonic clock."""
        return time.monotonic() - self.monotonic


def stamp_proxies(setting: str) -> tuple[Network, ...]:
    """The networks named in ARRIVAL_STAMP_PROXIES (comma-separated addresses or CIDRs)."""
    networks = []
    for part in (p.strip() for p in setting.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as error:
            message = f"RECRUIT_ARRIVAL_STAMP_PROXIES: {part!r} is not an address or network"
            raise ValueError(message) from error
    return tuple(networks)


def init_app(app: Flask) -> None:
    """Parse ARRIVAL_STAMP_PROXIES once, at start-up, so a bad value stops the app."""
    app.extensions[_PROXIES] = stamp_proxies(str(app.config.get("ARRIVAL_STAMP_PROXIES") or ""))


def _peer_is_a_stamping_proxy() -> bool:
    proxies: tuple[Network, ...] = current_app.extensions.get(_PROXIES, ())
    if not proxies:
        return False
    # The address that really connected, before ProxyFix puts the client's in its place.
    original = request.environ.get("werkzeug.proxy_fix.orig", {})
    peer = original.get("REMOTE_ADDR", request.environ.get("REMOTE_ADDR", ""))
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in proxies)


def seconds_since_arrival() -> float:
    """How long ago a stamping proxy received this request; 0 without a stamp we believe."""
    stamp = request.headers.get(STAMP_HEADER)
    if stamp is None or not _peer_is_a_stamping_proxy():
        return 0.0
    matched = _STAMP.match(stamp.strip())
    if matched is None:
        return 0.0
    # A stamp from the future (clocks a little apart) moves nothing: never later than our own.
    return max(0.0, time.time() - float(matched.group(1)))


def mark_received() -> None:
    """Record the receipt: the session's clock reading moved on to now, the body being read.

    A before-request hook, run once the body has been read and before any wait for a slot.
    Behind a stamping proxy, the receipt moves back to when the proxy had the whole request.
    """
    reading: ClockReading | None = getattr(session, "clock", None)
    if reading is not None:
        g.receipt = reading.moved_on().moved_back(seconds_since_arrival())


def received_at() -> datetime | None:
    """When this request was received, by the database clock; None to judge by the clock now."""
    if not has_request_context():
        return None
    receipt: ClockReading | None = g.get("receipt")
    if receipt is None or receipt.age() > RECEIPT_VALIDITY.total_seconds():
        return None
    return receipt.at
