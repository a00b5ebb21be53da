"""The database being unreachable, as an answer a client can act on: 503 with `Retry-After`.

Two codes tell the client what it needs to know to retry safely:

- `database_unavailable`: the request failed before it changed anything; retry it.
- `database_unavailable_may_have_run`: a chat turn had started (it is stored up to its last
  completed step) when the database went away. Retrying with the same `Idempotency-Key`
  continues that turn and runs no stored tool call again; the body names the conversation.

After such an error the broken connection is closed, so the next request opens a fresh one
once the database is back (with `CONN_HEALTH_CHECKS` as a second guard): the service recovers
by itself. The two errors are declared in `config.errors`.
"""

from django.db import InterfaceError, OperationalError, connections

# What a lost or refused database connection raises (Django wraps the driver's errors in these).
DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
try:  # the driver's own, should one escape Django's wrapper
    import psycopg

    DATABASE_ERRORS += (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover - SQLite-only installs
    pass


def is_database_outage(error: BaseException) -> bool:
    return isinstance(error, DATABASE_ERRORS)


def close_broken_connections() -> None:
    """Close every open connection outside a transaction, so the next query reconnects.
    Closing a healthy one costs one reconnect; keeping a dead one costs the next request."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            try:
                connection.close()
            except DATABASE_ERRORS:
                pass  # closing a dead connection can fail; it is gone either way
