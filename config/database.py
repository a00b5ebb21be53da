"""Database work from async code: the ORM runs in threads, never on the event loop.

`in_database(work, ...)` runs `work` (a plain function that uses the ORM) and returns its
result, in one of two ways:

- Serving ASGI (`config.asgi` calls `serve_from_threads`): in one of `DATABASE_THREADS` threads
  shared by the process, and the connection goes back to the pool as soon as `work` returns.
  A chat turn waiting on the model holds no thread and no connection, and a process never has
  more than `DATABASE_POOL_SIZE` connections open however many turns it serves.
- Anywhere else (runserver's WSGI, tests, management commands: sync code that entered async
  code through `async_to_sync`): in the calling thread, on its connection, so a test's
  transaction and a command's connection are the ones used.

Each `work` is one unit: what it does in a transaction commits before it returns.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import connections

P = ParamSpec("P")
R = TypeVar("R")

_threads: ThreadPoolExecutor | None = None


def serve_from_threads(count: int) -> None:
    """From now on, `in_database` runs work in `count` shared threads (an ASGI server process)."""
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(max_workers=count, thread_name_prefix="database")


def serving_async() -> bool:
    """Whether this process serves ASGI (and its database work runs in the shared threads)."""
    return _threads is not None


def _released(work: Callable[[], R]) -> R:
    try:
        return work()
    finally:
        _give_back_connections()


def _give_back_connections() -> None:
    """A pooled connection goes back to the pool; another (SQLite's) stays with its thread,
    one per thread of `_threads`, unless it broke."""
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue
        if getattr(connection, "pool", None) is not None:
            connection.close()
        elif connection.errors_occurred and not connection.is_usable():
            connection.close()


async def in_database(work: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    call = partial(work, *args, **kwargs)
    if _threads is None:
        return await sync_to_async(call, thread_sensitive=True)()
    return await sync_to_async(partial(_released, call), thread_sensitive=False, executor=_threads)()
