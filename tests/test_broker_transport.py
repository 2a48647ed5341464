"""The mended Redis transport: losing Redis while a task is unacknowledged never ends a worker."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import kombu.common
import kombu.connection
import pytest

from recruit.broker_transport import TRANSPORT_PATH
from recruit.celery_config import broker_settings
from tests.support.worker import REDIS_URL, redis_settings

# kombu is untyped: its calls are made through `Any`.
Connection: Any = kombu.connection.Connection
ignore_errors: Any = kombu.common.ignore_errors


def test_plain_redis_urls_use_the_mended_transport() -> None:
    settings = broker_settings({"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert settings["broker_transport"] == TRANSPORT_PATH


def test_tls_and_filesystem_brokers_keep_kombus_own(tmp_path: object) -> None:
    assert "broker_transport" not in broker_settings({"REDIS_URL": "rediss://cache:6380/0"})
    assert "broker_transport" not in broker_settings({"BROKER_DIR": str(tmp_path)})


@pytest.fixture
def queue_name() -> Iterator[str]:
    with redis_settings() as settings:
        yield settings["TASK_QUEUE"]


def held_message(transport: str | None, queue_name: str) -> tuple[Any, Any, Any]:
    """A message taken from the real Redis and not acknowledged, as a busy worker holds one."""
    connection = Connection(REDIS_URL, transport=transport)
    queue = connection.SimpleQueue(queue_name)
    queue.put({"outbox_id": 1})
    return connection, queue, queue.get(timeout=5)


def lose_connection_settings(message: Any) -> None:
    """The state kombu leaves a channel in when Redis vanished under it (see the module doc)."""
    channel = message.channel
    channel._disconnect_pools()
    channel.connection.client = None


def test_kombus_own_transport_crashes_in_that_state(queue_name: str) -> None:
    # The reason for the mend: if this starts passing, kombu has fixed it and the mend can go.
    connection, _queue, message = held_message(None, queue_name)
    lose_connection_settings(message)
    with pytest.raises(AttributeError):
        ignore_errors(connection, message.channel.close)
    connection.release()


def test_the_mended_channel_closes_quietly(queue_name: str) -> None:
    connection, _queue, message = held_message(TRANSPORT_PATH, queue_name)
    lose_connection_settings(message)
    # As Celery's consumer closes it after losing the broker: connection errors are ignored.
    ignore_errors(connection, message.channel.close)
    assert message.channel.closed
    connection.release()


def test_a_late_acknowledgement_is_logged_not_raised(
    queue_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    connection, _queue, message = held_message(TRANSPORT_PATH, queue_name)
    lose_connection_settings(message)
    errors = connection.connection_errors + connection.channel_errors
    with caplog.at_level(logging.CRITICAL):
        message.ack_log_error(logging.getLogger("test"), errors)
    assert "Couldn't ack" in caplog.text
    assert not message.acknowledged
    connection.release()
