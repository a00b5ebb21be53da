"""Gunicorn settings: `gunicorn -c config/gunicorn.py` serves `config.asgi:application`.

Uvicorn workers run Django under ASGI: a chat turn waiting on the model holds no thread and no
database connection (its database work runs in `DATABASE_POOL_SIZE` threads per worker, each
unit on a pooled connection given back when it is done), so one worker serves a thousand
turns at once; at most WORKERS x DATABASE_POOL_SIZE PostgreSQL connections per instance.
Slow or idle clients cost a socket each, not a worker. Everything a turn needs is in the
database, so any number of instances can share one PostgreSQL.
"""

import os

from config.lifespan import GRACEFUL_TIMEOUT_SECONDS

wsgi_app = "config.asgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "config.uvicorn_worker.UvicornWorker"
# Each worker listens on its own TCP socket (SO_REUSEPORT) and the kernel spreads new
# connections across them: an event loop accepts every connection waiting on a shared socket
# at once, so one worker would take a burst of keep-alive clients and keep them all. Not for
# a Unix socket (no SO_REUSEPORT) or sockets systemd hands over (LISTEN_FDS).
reuse_port = not bind.startswith(("unix:", "fd://")) and "LISTEN_FDS" not in os.environ
# The heartbeat of an async worker comes from its event loop, not from requests, so a long
# model call does not get the worker killed; this only catches a wedged worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# A stopping worker's requests, then the turns its clients left, fit in this (config/lifespan.py).
graceful_timeout = GRACEFUL_TIMEOUT_SECONDS
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = 50
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
