"""Entry module for `celery -A worker.main worker` and `celery -A worker.main beat`."""

from __future__ import annotations

from recruit import create_app
from worker.celery_app import celery_init_app

flask_app = create_app()
celery_app = celery_init_app(flask_app)
