"""Gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`.

Threaded workers: a chat turn spends most of its time waiting on the model, so each worker
serves many turns at once and a slow model never blocks other users' requests. Everything
a turn needs is in the database, so any number of instances can share one PostgreSQL.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# The heartbeat of a gthread worker comes from its main loop, not from requests, so a long
# model call does not get the worker killed; this only catches a wedged worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = 50
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
