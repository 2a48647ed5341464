"""A web process's courier: hands committed outbox rows to the broker from a thread of its own.

A request that commits outbox rows gives their ids to the courier and answers at once: it never
waits on the broker, and a slow, frozen or stopped Redis costs the candidate nothing. The courier
takes everything handed to it since its last message and sends it as one message, so under a
crowd many commits share a publish (one relay message carries the rows of several requests).

The rows are committed before they are handed over, so nothing depends on the courier: if the
broker is down it keeps the ids and tries again every RETRY_SECONDS, and if the process dies the
sweep republishes whatever no worker took (recruit.outbox.republish). A row handed over twice is
claimed once (recruit.outbox.store.claim).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

# After a failed publish, the courier tries again this often while the broker is away.
RETRY_SECONDS = 1.0
# Once a row arrives, the courier waits this long for more before it publishes, so that under a
# crowd one message carries the rows of many commits: a publish costs about a millisecond of
# this process's time, and at 50 ms it was still 8% of the web's busy time under P1's load.
# A confirmation email leaves a fifth of a second later.
GATHER_SECONDS = 0.2
# Ids kept while the broker is away; older ones beyond this are left to the sweep.
MAX_PENDING = 10_000
# On the way out, the process waits this long at most for the courier to finish.
EXIT_WAIT_SECONDS = 2.0
# A courier with nothing to do for this long ends its thread; the next row starts another.
IDLE_SECONDS = 10.0


@dataclass(frozen=True)
class Parcel:
    """One committed row to hand over: the task that acts on it, its id, and the request."""

    task: str
    row_id: int
    request_id: str


# Sends parcels as one message; True when the broker took it.
Sender = Callable[[list[Parcel]], bool]


class Courier:
    """Hands parcels to `send` from a background thread, as many at a time as are waiting."""

    def __init__(
        self,
        send: Sender,
        retry_seconds: float = RETRY_SECONDS,
        max_pending: int = MAX_PENDING,
        gather_seconds: float = GATHER_SECONDS,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self._send = send
        self._retry_seconds = retry_seconds
        self._gather_seconds = gather_seconds
        self._idle_seconds = idle_seconds
        self._max_pending = max_pending
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._waiting: list[Parcel] = []
        self._busy = False
        self._thread: threading.Thread | None = None
        self._pid = 0

    def hand(self, parcels: list[Parcel]) -> None:
        """Queue committed rows for the broker; returns at once."""
        if not parcels:
            return
        with self._changed:
            self._start_if_needed()
            self._waiting.extend(parcels)
            self._changed.notify()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until everything handed over has gone to the broker; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._waiting or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    @property
    def running(self) -> bool:
        """Whether this process has a courier thread now."""
        with self._changed:
            return self._has_thread()

    def _has_thread(self) -> bool:
        # A forked child inherits the parent's courier but not its thread.
        thread = self._thread
        return thread is not None and self._pid == os.getpid() and thread.is_alive()

    def _start_if_needed(self) -> None:
        if self._has_thread():
            return
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="outbox-courier", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            with self._changed:
                if not self._waiting:
                    self._changed.wait(self._idle_seconds)
                if not self._waiting:
                    self._thread = None  # under the lock: `hand` starts a new one if needed
                    return
                self._busy = True
            time.sleep(self._gather_seconds)
            with self._changed:
                batch, self._waiting = self._waiting, []
            delivered = self._deliver(batch)
            with self._changed:
                self._busy = False
                if not delivered:
                    self._keep(batch)
                self._changed.notify_all()
            if not delivered:
                time.sleep(self._retry_seconds)

    def _deliver(self, batch: list[Parcel]) -> bool:
        try:
            return self._send(batch)
        except Exception:  # the rows are committed; the next try or the sweep hands them over
            log.exception("courier could not hand over rows %s", [p.row_id for p in batch])
            return False

    def _keep(self, batch: list[Parcel]) -> None:
        """Put a failed batch back in front of what arrived meanwhile, keeping the newest."""
        kept = batch + self._waiting
        if len(kept) > self._max_pending:
            dropped = kept[: len(kept) - self._max_pending]
            log.warning("courier left rows %s to the sweep", [p.row_id for p in dropped])
            kept = kept[len(dropped) :]
        self._waiting = kept


def finish_on_exit(courier: Courier) -> None:
    """Give the courier a moment to hand over what it holds when the process exits."""
    # A weak reference: an app (tests make many) is not kept alive for the exit's sake.
    ref = weakref.ref(courier)

    def finish() -> None:
        found = ref()
        if found is not None:
            found.wait_idle(EXIT_WAIT_SECONDS)

    atexit.register(finish)
