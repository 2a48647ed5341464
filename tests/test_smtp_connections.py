"""SMTP connections reused across emails (`recruit.notifications.smtp_pool`), against aiosmtpd.

Each test counts the connections the server saw (one EHLO per connection) and checks that every
email arrived exactly once: reuse, a dropped or closing connection, the message and age limits,
a refusal, threads, and a real worker process.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import OutboxMessage, OutboxStatus, User
from recruit.notifications.catalog import password_changed
from recruit.notifications.mail import TransientMailError, build_message, send_message
from recruit.notifications.smtp_pool import CONNECTIONS, dot_stuffed
from testkit.people import bulk_users
from tests.support.mail import row_for
from tests.support.smtp import RecordingHandler, SMTPServer, smtp_server
from tests.support.worker import redis_settings, running_worker, wait_until
from worker.tasks import BATCH_LANES


class CountingHandler(RecordingHandler):
    """Counts connections (EHLO) and QUITs; can drop a connection after chosen messages, close
    one with 421 at MAIL FROM, or swallow a message's reply by dropping the connection."""

    def __init__(self, **replies: str) -> None:
        super().__init__(**replies)
        self.connections = 0
        self.quits = 0
        self.drop_after: set[int] = set()  # close the connection once this many are stored
        self.closing_at_mail = 0  # answer 421 to this many MAIL FROMs
        self.silent_after: set[int] = set()  # store this message, then drop without replying
        self.dropped = threading.Event()

    async def handle_EHLO(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        """One EHLO per connection from smtplib."""
        self.connections += 1
        session.host_name = hostname  # aiosmtpd leaves this to a handler that has the hook
        return responses

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Count a polite goodbye."""
        self.quits += 1
        return "221 Bye"

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        """Accept the sender, unless told to say the service is closing."""
        if self.closing_at_mail:
            self.closing_at_mail -= 1
            return "421 4.4.2 Idle too long, closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Store, then drop the connection if told to (after the reply, or instead of it)."""
        reply = await super().handle_DATA(server, session, envelope)
        count = len(self.received)
        if count in self.silent_after:
            server.transport.close()  # the email is kept but its 250 never leaves
        elif count in self.drop_after:
            asyncio.get_running_loop().call_soon(self._drop, server.transport)
        return reply

    def _drop(self, transport: Any) -> None:
        transport.close()
        self.dropped.set()


@pytest.fixture
def backend() -> str:
    """These tests send email; one database backend is enough (the worker test picks its own)."""
    return "sqlite"


@pytest.fixture(autouse=True)
def no_held_connections() -> Iterator[None]:
    """Each test starts and ends with this process holding no SMTP connection."""
    CONNECTIONS.close_all()
    yield
    CONNECTIONS.close_all()


@pytest.fixture
def server(app: Flask) -> Iterator[SMTPServer]:
    """An aiosmtpd server that counts connections, the one `app` sends through."""
    with smtp_server(CountingHandler()) as running:
        app.config["SMTP_URL"] = running.url
        yield running


def counting(server: SMTPServer) -> CountingHandler:
    """The server's handler, typed."""
    assert isinstance(server.handler, CountingHandler)
    return server.handler


def send(app: Flask, ids: range) -> None:
    """Build and send one email per outbox id, in this thread, as the worker does."""
    with app.app_context():
        for outbox_id in ids:
            send_message(build_message(row_for("verify_email", outbox_id=outbox_id)), outbox_id)


def message_ids(server: SMTPServer) -> Counter[str]:
    """How many times each Message-ID arrived."""
    return Counter(str(item.message["Message-ID"]) for item in server.received)


def exactly_once(server: SMTPServer, ids: Iterable[int]) -> bool:
    """Every id's email arrived once, and nothing else did."""
    expected = {f"<outbox-{i}@recruit.midlandsengine.example>": 1 for i in ids}
    return message_ids(server) == Counter(expected)


def test_many_emails_share_one_connection(app: Flask, server: SMTPServer) -> None:
    opened = CONNECTIONS.opened
    send(app, range(1, 31))
    assert exactly_once(server, range(1, 31))
    assert counting(server).connections == 1
    assert CONNECTIONS.opened - opened == 1


def test_a_dropped_connection_is_replaced_and_nothing_is_lost_or_repeated(
    app: Flask, server: SMTPServer
) -> None:
    handler = counting(server)
    handler.drop_after = {3}
    send(app, range(1, 4))
    assert handler.dropped.wait(10)  # the server has closed the connection we hold
    send(app, range(4, 8))
    assert exactly_once(server, range(1, 8))
    assert handler.connections == 2


def test_a_server_closing_at_mail_from_gets_the_email_on_a_fresh_connection(
    app: Flask, server: SMTPServer
) -> None:
    handler = counting(server)
    send(app, range(1, 3))
    handler.closing_at_mail = 1  # 421 to the next MAIL FROM, as an idle timeout would
    send(app, range(3, 5))
    assert exactly_once(server, range(1, 5))
    assert handler.connections == 2


def test_a_server_restart_is_survived(app: Flask) -> None:
    with smtp_server(CountingHandler()) as first:
        app.config["SMTP_URL"] = first.url
        send(app, range(1, 3))
    # The same port, a new server: the connection held to the old one is dead.
    handler = CountingHandler()
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=first.port, ready_timeout=10)
    controller.start()
    try:
        second = SMTPServer("127.0.0.1", first.port, handler)
        send(app, range(3, 6))
        assert exactly_once(second, range(3, 6)) and exactly_once(first, range(1, 3))
        assert handler.connections == 1
    finally:
        controller.stop()


def test_the_message_limit_opens_a_new_connection(app: Flask, server: SMTPServer) -> None:
    app.config.update(SMTP_CONNECTION_MAX_MESSAGES=3)
    send(app, range(1, 8))
    assert exactly_once(server, range(1, 8))
    handler = counting(server)
    assert handler.connections == 3  # 3 + 3 + 1
    wait_until(lambda: handler.quits == 2, message="the two full connections said QUIT")


def test_the_age_limit_opens_a_new_connection(app: Flask, server: SMTPServer) -> None:
    app.config.update(SMTP_CONNECTION_MAX_SECONDS=1.0)
    send(app, range(1, 2))
    time.sleep(1.2)  # older than its limit: the next email must not use it
    send(app, range(2, 3))
    assert exactly_once(server, range(1, 3))
    assert counting(server).connections == 2


def test_one_email_per_connection_when_reuse_is_off(app: Flask, server: SMTPServer) -> None:
    app.config.update(SMTP_CONNECTION_MAX_MESSAGES=1)
    send(app, range(1, 5))
    assert exactly_once(server, range(1, 5))
    assert counting(server).connections == 4


def test_a_refusal_retires_the_connection_and_the_next_email_gets_a_fresh_one(
    app: Flask, server: SMTPServer
) -> None:
    handler = counting(server)
    send(app, range(1, 3))
    handler.data_reply = "451 4.3.0 Try again later"
    with pytest.raises(TransientMailError, match="451"):
        send(app, range(3, 4))
    handler.data_reply = None
    send(app, range(4, 6))
    assert exactly_once(server, [1, 2, 4, 5])
    assert handler.connections == 2


def test_no_reply_after_the_content_is_left_to_the_outbox_not_resent_here(
    app: Flask, server: SMTPServer
) -> None:
    """The server may have kept the email: the pool must not send it again on its own."""
    handler = counting(server)
    handler.silent_after = {2}
    send(app, range(1, 2))
    with pytest.raises(TransientMailError):
        send(app, range(2, 3))
    assert exactly_once(server, range(1, 3))  # one copy: the retry is the outbox's, later
    send(app, range(3, 4))
    assert handler.connections == 2


def test_each_thread_has_its_own_connection(app: Flask, server: SMTPServer) -> None:
    threads = [
        threading.Thread(target=send, args=(app, range(t * 10, t * 10 + 10))) for t in (1, 2, 3, 4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert exactly_once(server, range(10, 50))
    assert counting(server).connections == 4


def test_a_forked_child_never_speaks_on_its_parents_connection(
    app: Flask, server: SMTPServer
) -> None:
    send(app, range(1, 3))
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which exits at once
        CONNECTIONS.close_all()  # would QUIT the parent's session had the child inherited it
        os._exit(0)
    assert os.waitpid(child, 0)[1] == 0
    send(app, range(3, 5))
    assert exactly_once(server, range(1, 5))
    handler = counting(server)
    assert (handler.connections, handler.quits) == (1, 0)


def test_dot_stuffing_keeps_lines_that_start_with_a_dot() -> None:
    assert dot_stuffed(b"a\r\n.b\r\n..c") == b"a\r\n..b\r\n...c\r\n.\r\n"


@pytest.mark.integration
@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_worker_sends_a_run_of_emails_over_one_connection_per_lane_and_quits_at_shutdown(
    app_factory: Any, tmp_path: Path
) -> None:
    with smtp_server(CountingHandler()) as server, redis_settings() as broker:
        app = app_factory(**broker, SMTP_URL=server.url)
        people = bulk_users(app, [f"person{n}@example.org" for n in range(12)])
        with running_worker(app, tmp_path) as worker:
            with app.app_context():
                for person in people:
                    user = db.session.get(User, person.id)
                    assert user is not None
                    password_changed(user)
                db.session.commit()  # published after commit to the worker
                ids = list(db.session.scalars(select(OutboxMessage.id)))
                db.session.rollback()

            def all_sent() -> bool:
                with app.app_context():
                    statuses = db.session.scalars(select(OutboxMessage.status)).all()
                    db.session.rollback()
                return len(server.received) == 12 and set(statuses) == {OutboxStatus.SENT}

            wait_until(all_sent, timeout=60, message=f"12 emails sent\n{worker.log()}")
        # One commit, one batch: its rows go out on the worker's lane threads, each of which
        # keeps one connection for all the emails it sends.
        handler = counting(server)
        wait_until(
            lambda: handler.quits == handler.connections > 0,
            message="the worker said QUIT on each connection as it stopped",
        )
        assert exactly_once(server, range(min(ids), max(ids) + 1))
        assert handler.connections <= BATCH_LANES < 12
