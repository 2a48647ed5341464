"""Rate limits and brute-force protection, on Redis when configured, in memory otherwise.

Failed logins are counted per account *and client* (the client is the address, or the
known-device cookie of a browser that logged in to the account before), so an attacker's
wrong guesses delay only the attacker. Each client's first few failures also count towards a
soft ceiling for the whole account: once many clients have failed, clients without a
known-device cookie share one progressive delay, while the owner's known devices are not held
up by it (OWASP's "device cookies"; ASVS 6.1.1, NIST SP 800-63B 5.2.2).

Deciding whether an attempt may go ahead and counting it is one atomic step (a Lua script on
Redis, a lock in memory), so simultaneous requests cannot share one slot between delays. An
attempt is counted as a failure up front; a success gives it back.

If Redis stops answering, counting carries on in this process's memory: weaker across many
processes, but never "no limit at all".
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis

log = logging.getLogger(__name__)

# Login failures are forgotten once a client (or the account) has had none for this long.
FAILURE_WINDOW_SECONDS = 3600
# Past this many doublings the delay is the maximum anyway; keeps 2**n finite.
MAX_DOUBLINGS = 30
# The memory store drops expired entries once every this many writes.
PRUNE_EVERY = 4096

Clock = Callable[[], float]


@dataclass(frozen=True)
class Decision:
    """Whether a request may go ahead, and if not how many whole seconds to wait."""

    allowed: bool
    retry_after: int = 0


@dataclass(frozen=True)
class Attempt:
    """The outcome of claiming a password check: allowed, or refused with a wait."""

    allowed: bool
    retry_after: int = 0
    # "client" when this client's own delay refused it, "account" for the account-wide one.
    scope: str = ""
    # This client's failures on the account, this attempt included when allowed.
    failures: int = 0
    # Whether this attempt counted towards the account-wide ceiling (a success gives it back).
    counted: bool = False
    # Failures counted towards that ceiling, this attempt included when it counted.
    account_failures: int = 0


@dataclass(frozen=True)
class LoginRule:
    """How many failures are free, per client and per account, and how delays grow."""

    client_free: int
    account_free: int
    max_delay: int
    window: int = FAILURE_WINDOW_SECONDS


def whole_seconds(wait: float) -> int:
    """A wait as whole seconds, rounded up, so waiting that long is always enough."""
    return max(0, math.ceil(wait - 1e-6))


def describe_wait(seconds: int) -> str:
    """The wait in words, rounded up: "1 second", "40 seconds", "2 minutes", "1 hour"."""
    value, unit = max(1, seconds), "second"
    if value >= 3600:
        value, unit = math.ceil(value / 3600), "hour"
    elif value >= 60:
        value, unit = math.ceil(value / 60), "minute"
    return f"{value} {unit}{'' if value == 1 else 's'}"


def delay_left(failures: float, last: float, free: int, rule: LoginRule, now: float) -> float:
    """Seconds until the next attempt is allowed after `failures`, the last at `last`."""
    if failures < free:
        return 0.0
    delay = min(math.pow(2.0, min(failures - free, MAX_DOUBLINGS)), float(rule.max_delay))
    return last + delay - now


# KEYS: client pair, account. ARGV: now, client_free, account_free, max_delay, window,
# gated ("1" when the account-wide delay applies). The same steps as MemoryCounters.begin.
BEGIN_LUA = """
local now = tonumber(ARGV[1])
local cfree, afree = tonumber(ARGV[2]), tonumber(ARGV[3])
local max_delay, window = tonumber(ARGV[4]), tonumber(ARGV[5])
local gated = ARGV[6] == '1'
local function left(n, t, free)
  if n < free then return 0 end
  return t + math.min(2 ^ math.min(n - free, 30), max_delay) - now
end
local a = redis.call('HMGET', KEYS[2], 'n', 't', 'c')
local an, at, ac = tonumber(a[1]) or 0, tonumber(a[2]) or 0, tonumber(a[3]) or 0
local p = redis.call('HMGET', KEYS[1], 'n', 't')
local pn, pt = tonumber(p[1]) or 0, tonumber(p[2]) or 0
if pt <= ac then pn, pt = 0, 0 end
local wait = left(pn, pt, cfree)
if wait > 0 then return {0, tostring(wait), 'client', pn, 0, an} end
if gated then
  wait = left(an, at, afree)
  if wait > 0 then return {0, tostring(wait), 'account', pn, 0, an} end
end
pn = pn + 1
redis.call('HSET', KEYS[1], 'n', pn, 't', ARGV[1])
redis.call('EXPIRE', KEYS[1], window)
local counted = 0
if gated and (pn <= cfree or an >= afree) then
  counted = 1
  an = an + 1
  redis.call('HSET', KEYS[2], 'n', an, 't', ARGV[1])
  redis.call('EXPIRE', KEYS[2], window)
end
return {1, '0', '', pn, counted, an}
"""

# KEYS: client pair, account. ARGV: counted ("1" to give back the account-wide count).
RELEASE_LUA = """
redis.call('DEL', KEYS[1])
if ARGV[1] == '1' and (tonumber(redis.call('HGET', KEYS[2], 'n')) or 0) > 0 then
  redis.call('HINCRBY', KEYS[2], 'n', -1)
end
return 1
"""


class MemoryCounters:
    """Expiring counters and login states in this process, safe across threads."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._data: dict[str, tuple[dict[str, float], float]] = {}
        self._lock = threading.Lock()
        self._writes = 0

    def __len__(self) -> int:
        return len(self._data)

    def _read(self, key: str, now: float) -> dict[str, float]:
        fields, expires = self._data.get(key, ({}, 0.0))
        return dict(fields) if expires > now else {}

    def _write(self, key: str, fields: dict[str, float], expires: float, now: float) -> None:
        # Every few thousand writes, drop what has expired: many clients times many accounts
        # must not grow this process's memory for ever.
        self._data[key] = (fields, expires)
        self._writes += 1
        if self._writes % PRUNE_EVERY == 0:
            self._data = {k: v for k, v in self._data.items() if v[1] > now}

    def hit(self, key: str, ttl: int) -> tuple[int, float]:
        """Add one to `key` (a window of `ttl` seconds from first use); count and time left."""
        now = self._clock()
        with self._lock:
            fields, expires = self._data.get(key, ({}, 0.0))
            if expires <= now:
                fields, expires = {}, now + ttl
            count = fields.get("n", 0.0) + 1
            self._write(key, {"n": count}, expires, now)
            return int(count), expires - now

    def begin(self, pair: str, account: str, gated: bool, now: float, rule: LoginRule) -> Attempt:
        """Check and count one login attempt in one step (the twin of BEGIN_LUA)."""
        with self._lock:
            acct, state = self._read(account, now), self._read(pair, now)
            an, at = acct.get("n", 0.0), acct.get("t", 0.0)
            pn, pt = state.get("n", 0.0), state.get("t", 0.0)
            if pt <= acct.get("c", 0.0):
                pn, pt = 0.0, 0.0
            wait = delay_left(pn, pt, rule.client_free, rule, now)
            if wait > 0:
                return Attempt(False, whole_seconds(wait), "client", int(pn), False, int(an))
            wait = delay_left(an, at, rule.account_free, rule, now) if gated else 0.0
            if wait > 0:
                return Attempt(False, whole_seconds(wait), "account", int(pn), False, int(an))
            pn += 1
            self._write(pair, {"n": pn, "t": now}, now + rule.window, now)
            counted = gated and (pn <= rule.client_free or an >= rule.account_free)
            if counted:
                an += 1
                acct.update(n=an, t=now)
                self._write(account, acct, now + rule.window, now)
            return Attempt(True, 0, "", int(pn), counted, int(an))

    def release(self, pair: str, account: str, counted: bool) -> None:
        """Forget the pair's failures; give back the account-wide count if it was taken."""
        now = self._clock()
        with self._lock:
            self._data.pop(pair, None)
            fields, expires = self._data.get(account, ({}, 0.0))
            if counted and expires > now and fields.get("n", 0.0) > 0:
                fields["n"] -= 1

    def clear(self, account: str, now: float, window: int) -> None:
        """Forget every failure on the account, from every client."""
        with self._lock:
            self._write(account, {"n": 0.0, "t": 0.0, "c": now}, now + window, now)


class RedisCounters:
    """The same counters in Redis, shared by every web process."""

    def __init__(self, url: str, timeout: float) -> None:
        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._begin = self._redis.register_script(BEGIN_LUA)
        self._release = self._redis.register_script(RELEASE_LUA)

    def hit(self, key: str, ttl: int) -> tuple[int, float]:
        """Add one to `key` (a window of `ttl` seconds from first use); count and time left."""
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, ttl, nx=True)
        pipe.pttl(key)
        count, _, left_ms = pipe.execute()
        return int(count), max(int(left_ms), 0) / 1000

    def begin(self, pair: str, account: str, gated: bool, now: float, rule: LoginRule) -> Attempt:
        """Check and count one login attempt in one atomic script."""
        args = [repr(now), rule.client_free, rule.account_free, rule.max_delay, rule.window]
        allowed, wait, scope, failures, counted, account_failures = self._begin(
            keys=[pair, account], args=[*args, "1" if gated else "0"]
        )
        scope_text = scope.decode() if isinstance(scope, bytes) else str(scope)
        retry = whole_seconds(float(wait)) if not allowed else 0
        return Attempt(
            bool(allowed), retry, scope_text, int(failures), bool(counted), int(account_failures)
        )

    def release(self, pair: str, account: str, counted: bool) -> None:
        """Forget the pair's failures; give back the account-wide count if it was taken."""
        self._release(keys=[pair, account], args=["1" if counted else "0"])

    def clear(self, account: str, now: float, window: int) -> None:
        """Forget every failure on the account, from every client."""
        pipe = self._redis.pipeline()
        pipe.hset(account, mapping={"n": 0, "t": 0, "c": repr(now)})
        pipe.expire(account, window)
        pipe.execute()


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


class Limiter:
    """Per-address request limits and per-account, per-client login delays."""

    def __init__(self, config: Mapping[str, Any], clock: Clock = time.time) -> None:
        self.prefix = str(config["RATELIMIT_PREFIX"])
        self.enabled = bool(config["RATELIMIT_ENABLED"])
        self.ip_limit = int(config["RATELIMIT_PER_ADDRESS"])
        self.ip_window = int(config["RATELIMIT_WINDOW_SECONDS"])
        self.rule = LoginRule(
            client_free=int(config["LOGIN_FREE_FAILURES"]),
            account_free=int(config["LOGIN_MAX_FAILURES_PER_HOUR"]),
            max_delay=int(config["LOGIN_MAX_DELAY_SECONDS"]),
        )
        # Wall-clock seconds; replaceable so tests can let an hour-long attack pass at once.
        self.clock = clock
        self.memory = MemoryCounters(lambda: self.clock())
        url = config.get("REDIS_URL")
        self.shared = RedisCounters(url, float(config["PUBLISH_TIMEOUT"])) if url else None

    @property
    def free_failures(self) -> int:
        """Failures a client may make on an account before its delay starts."""
        return self.rule.client_free

    def _call(self, method: str, *args: Any) -> Any:
        if self.shared is not None:
            try:
                return getattr(self.shared, method)(*args)
            except redis.RedisError:
                log.warning("rate limiter: Redis unavailable, counting in memory")
        return getattr(self.memory, method)(*args)

    def hit_address(self, action: str, address: str) -> Decision:
        """Count a request from `address`; refuse once over the limit until the window ends."""
        if not self.enabled:
            return Decision(True)
        count, left = self._call("hit", f"{self.prefix}ip:{action}:{address}", self.ip_window)
        if count <= self.ip_limit:
            return Decision(True)
        return Decision(False, max(1, whole_seconds(left)))

    def _account_key(self, email: str) -> str:
        return f"{self.prefix}login:{_digest(email.strip().lower(), 32)}"

    def _pair_key(self, email: str, client: str) -> str:
        return f"{self._account_key(email)}:{_digest(client, 24)}"

    def begin_login(self, email: str, client: str, known_device: bool) -> Attempt:
        """Claim one password check for `email` from `client`, or say how long to wait.

        Known or unknown email, the same steps run, so nothing leaks. `known_device` means
        `client` is a known-device cookie for this account: the account-wide delay is skipped.
        """
        if not self.enabled:
            return Attempt(True)
        keys = (self._pair_key(email, client), self._account_key(email))
        attempt: Attempt = self._call("begin", *keys, not known_device, self.clock(), self.rule)
        return attempt

    def login_succeeded(self, email: str, client: str, attempt: Attempt) -> None:
        """Forget this client's failures and give back what the attempt counted."""
        if self.enabled:
            keys = (self._pair_key(email, client), self._account_key(email))
            self._call("release", *keys, attempt.counted)

    def clear_account(self, email: str) -> None:
        """Forget every client's failures on the account (after a password reset)."""
        if self.enabled:
            self._call("clear", self._account_key(email), self.clock(), self.rule.window)
