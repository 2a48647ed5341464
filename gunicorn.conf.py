"""gunicorn settings for the web tier: the Docker image and the fault tests both use this file.

Threaded workers, two processes per core, and many threads each: enough to take a whole
closing-time crowd in at once, so that every request's receipt is read promptly
(recruit.web.receipt). Only RECRUIT_WEB_WORK_SLOTS of a process's threads run their view at a time
(recruit.web.admission); the others wait without costing CPU. Override with WEB_CONCURRENCY
(processes) and GUNICORN_THREADS, or any gunicorn flag.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # all interfaces: inside a container
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
timeout = 30
graceful_timeout = 10
keepalive = 5
backlog = 2048
accesslog = "-"
# Each request by method and path only: never the query string (an emailed link carries its token
# there, on its first request) and never the Referer (a page's address, query and all). The
# request id matches the app's own log lines. Keep %(r)s, %(q)s, %(f)s and {referer}i out.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %({x-request-id}o)s'
)
