"""gunicorn settings for the web tier: the Docker image and the fault tests both use this file.

Threaded workers, two processes per core: a request mostly waits on PostgreSQL, so threads keep
a core busy while others wait, and a closing-time crowd is taken in (and its requests' receipt
times read, see recruit.receipt) instead of queueing behind a few busy workers. Keep `threads`
below RECRUIT_DB_POOL_SIZE: a request can hold two pooled connections at once.
Override with WEB_CONCURRENCY (processes) and GUNICORN_THREADS, or any gunicorn flag.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # all interfaces: inside a container
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
graceful_timeout = 10
keepalive = 5
backlog = 1024
accesslog = "-"
