"""Kombu's Redis transport, mended so that losing Redis never ends a worker process.

When Redis goes away while a worker holds unacknowledged messages, kombu (5.7) may close a
channel, or acknowledge a task that finished meanwhile, after the connection's settings have
been dropped. The channel then builds a new Redis connection pool from nothing and raises
`AttributeError`, which Celery treats as unrecoverable: the worker exits instead of reconnecting
(seen in fault scenario 3, "Redis stopped", about one run in four on a loaded machine).

Here that case raises Redis's own `ConnectionError`, which kombu already ignores while it closes
a channel and logs when an acknowledgement fails. Nothing is lost that was not lost already: the
messages to restore lived in the Redis that went away (a frozen Redis redelivers them after the
visibility timeout), and the outbox sweep hands over any row whose task never ran.
"""

from __future__ import annotations

from typing import Any

import redis
from kombu.transport import redis as kombu_redis

# The value of Celery's `broker_transport` that selects this transport.
TRANSPORT_PATH = "recruit.broker_transport:Transport"


class Channel(kombu_redis.Channel):
    """A Redis channel that reports a closed connection as a connection error."""

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection is already closed")
        params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)  # type: ignore[no-untyped-call]
        return params


class Transport(kombu_redis.Transport):
    """Kombu's Redis transport with the mended channel."""

    Channel = Channel
