"""Background work recorded in the caller's transaction and handed to Celery after it commits."""
