"""The Celery worker: the app factory for Celery and the background tasks.

This package imports `recruit`; `recruit` never imports it. Run it with
`celery -A worker.main worker` and `celery -A worker.main beat`.
"""
