"""The database being unreachable, as an answer a client can act on: 503 with `Retry-After`.

Two codes tell the client what it needs to know to retry safely:

- `database_unavailable`: the request failed before it changed anything; retry it.
- `database_unavailable_may_have_run`: a chat turn had started (it is stored up to its last
  completed step) when the database went away. Retrying with the same `Idempotency-Key`
  continues that turn and runs no stored tool call again; the body names the conversation.

After such an error the broken connection is closed, so the next request opens a fresh one
once the database is back (with `CONN_HEALTH_CHECKS` as a second guard): the service recovers
by itself.
"""

import uuid
from typing import Any

from django.db import InterfaceError, OperationalError, connections

from config.errors import DomainError

# What a lost or refused database connection raises (Django wraps the driver's errors in these).
DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
try:  # the driver's own, should one escape Django's wrapper
    import psycopg

    DATABASE_ERRORS += (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover - SQLite-only installs
    pass

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailable(DomainError):
    status_code = 503
    code = "database_unavailable"
    default_detail = "The database is unavailable; nothing was changed. Please retry shortly."
    retry_after = RETRY_AFTER_SECONDS


class DatabaseUnavailableMayHaveRun(DatabaseUnavailable):
    code = "database_unavailable_may_have_run"
    default_detail = (
        "The database became unavailable during the chat turn: part of it may have run. Retry with the "
        "same Idempotency-Key to continue it; no tool that already ran runs again."
    )

    def __init__(self, detail: str | None = None, *, conversation_id: uuid.UUID | None = None) -> None:
        super().__init__(detail)
        self.conversation_id = conversation_id

    def body(self) -> dict[str, Any]:
        body = super().body()
        if self.conversation_id is not None:
            body["conversation_id"] = str(self.conversation_id)
        return body


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
