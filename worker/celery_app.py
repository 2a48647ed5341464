"""Binding Celery to a Flask app, following Flask's documented pattern."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.signals import worker_process_init
from flask import Flask

from recruit.celery_config import celery_settings
from recruit.extensions import db


def celery_init_app(app: Flask) -> Celery:
    """Create the worker's Celery app; every task runs inside `app`'s application context."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(celery_settings(app.config))
    celery_app.set_default()
    app.extensions["celery"] = celery_app

    def reset_connections(**kwargs: Any) -> None:
        # A forked pool child must not share the parent's database sockets.
        with app.app_context():
            db.engine.dispose(close=False)

    worker_process_init.connect(reset_connections, weak=False)

    from worker import (  # noqa: F401 - registers the shared tasks
        alert_tasks,
        export_tasks,
        monitoring_tasks,
        privacy_tasks,
        relay_tasks,
        retention_tasks,
        tasks,
        webhook_tasks,
    )

    return celery_app
