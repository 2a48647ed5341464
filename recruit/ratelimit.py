"""Rate limits and brute-force protection, on Redis when configured, in memory otherwise.

If Redis stops answering, counting carries on in this process's memory: weaker across many
processes, but never "no limit at all".
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis

log = logging.getLogger(__name__)


class MemoryCounters:
    """Expiring counters and values in this process, safe across threads."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def incr(self, key: str, ttl: int) -> int:
        """Add one to `key`, starting a window of `ttl` seconds on first use."""
        now = time.monotonic()
        with self._lock:
            value, expires = self._data.get(key, (0.0, now + ttl))
            if expires <= now:
                value, expires = 0.0, now + ttl
            self._data[key] = (value + 1, expires)
            return int(value + 1)

    def get(self, key: str) -> float:
        """Current value of `key`, 0 when absent or expired."""
        with self._lock:
            value, expires = self._data.get(key, (0.0, 0.0))
            return value if expires > time.monotonic() else 0.0

    def put(self, key: str, value: float, ttl: int) -> None:
        """Store `value` for `ttl` seconds."""
        with self._lock:
            self._data[key] = (value, time.monotonic() + ttl)

    def delete(self, key: str) -> None:
        """Forget `key`."""
        with self._lock:
            self._data.pop(key, None)


class RedisCounters:
    """The same counters in Redis, shared by every web process."""

    def __init__(self, url: str, timeout: float) -> None:
        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    def incr(self, key: str, ttl: int) -> int:
        """Add one to `key`, starting a window of `ttl` seconds on first use."""
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, ttl, nx=True)
        count, _ = pipe.execute()
        return int(count)

    def get(self, key: str) -> float:
        """Current value of `key`, 0 when absent."""
        raw = self._redis.get(key)
        return float(raw) if raw is not None else 0.0

    def put(self, key: str, value: float, ttl: int) -> None:
        """Store `value` for `ttl` seconds."""
        self._redis.set(key, value, ex=ttl)

    def delete(self, key: str) -> None:
        """Forget `key`."""
        self._redis.delete(key)


@dataclass(frozen=True)
class Decision:
    """Whether an attempt may go ahead, and if not how long to wait."""

    allowed: bool
    retry_after: int = 0


class Limiter:
    """Per-address request limits and per-account login failure tracking."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.prefix = str(config["RATELIMIT_PREFIX"])
        self.enabled = bool(config["RATELIMIT_ENABLED"])
        self.ip_limit = int(config["RATELIMIT_PER_ADDRESS"])
        self.ip_window = int(config["RATELIMIT_WINDOW_SECONDS"])
        self.free_failures = int(config["LOGIN_FREE_FAILURES"])
        self.max_failures = int(config["LOGIN_MAX_FAILURES_PER_HOUR"])
        self.max_delay = int(config["LOGIN_MAX_DELAY_SECONDS"])
        self.memory = MemoryCounters()
        url = config.get("REDIS_URL")
        self.shared = RedisCounters(url, float(config["PUBLISH_TIMEOUT"])) if url else None

    def _call(self, method: str, *args: Any) -> Any:
        if self.shared is not None:
            try:
                return getattr(self.shared, method)(*args)
            except redis.RedisError:
                log.warning("rate limiter: Redis unavailable, counting in memory")
        return getattr(self.memory, method)(*args)

    def hit_address(self, action: str, address: str) -> Decision:
        """Count a request from `address`; refuse once over the limit for the window."""
        if not self.enabled:
            return Decision(True)
        count = self._call("incr", f"{self.prefix}ip:{action}:{address}", self.ip_window)
        return Decision(count <= self.ip_limit, self.ip_window if count > self.ip_limit else 0)

    def _account_key(self, email: str) -> str:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return f"{self.prefix}acct:{digest}"

    def check_account(self, email: str) -> Decision:
        """Whether a login for `email` may be tried now (known or not, so nothing leaks)."""
        if not self.enabled:
            return Decision(True)
        key = self._account_key(email)
        failures = int(self._call("get", f"{key}:n"))
        if failures >= self.max_failures:
            return Decision(False, 3600)
        if failures < self.free_failures:
            return Decision(True)
        delay = min(2 ** (failures - self.free_failures), self.max_delay)
        wait = float(self._call("get", f"{key}:t")) + delay - time.time()
        return Decision(wait <= 0, max(int(wait) + 1, 0) if wait > 0 else 0)

    def record_failure(self, email: str) -> int:
        """Count a failed login for `email`; return the failures this hour."""
        key = self._account_key(email)
        count = int(self._call("incr", f"{key}:n", 3600))
        self._call("put", f"{key}:t", time.time(), 3600)
        return count

    def clear_account(self, email: str) -> None:
        """Forget failures after a successful login or password reset."""
        key = self._account_key(email)
        self._call("delete", f"{key}:n")
        self._call("delete", f"{key}:t")
