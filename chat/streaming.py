"""Serving a turn's events: the turn runs to its end whatever its client does.

- `detached(events)`: under ASGI the turn runs in a task of its own, and the request reads its
  events from a queue. A client that disconnects (Django cancels its request) stops reading,
  not the turn: it completes and is stored.
- `told(events)`: a failure of the turn after it started becomes its last event, `TurnFailed`,
  with the error's status and body (as the JSON path would answer it).
- `event_stream_response(events)`: the SSE response (`chat.ui_message_stream`). Errors before
  the turn starts (a conversation not found, a key in use) are raised, so they are answered
  as JSON with their status; once the stream has begun, they are its last events.

Under WSGI (runserver, the test client) Django cannot stream an async body: it would read it
all first, in another event loop. There the turn runs to its end in the view, and the stream
is sent at once.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from chat.agent.events import Event, TurnFailed
from chat.ui_message_stream import HEADERS, aencode, encode
from config.database import serving_async
from config.errors import DeclaredError, ServerError

logger = logging.getLogger(__name__)

# An SSE comment (clients ignore it) that keeps a quiet stream's connection open.
HEARTBEAT = b": keep-alive\n\n"
HEARTBEAT_SECONDS = 15.0

# Turns running on after their request was cancelled: the event loop keeps only weak references.
_running: set[asyncio.Task[None]] = set()


class EventStreamRenderer(BaseRenderer):
    """Lets content negotiation pick the stream for `Accept: text/event-stream`; the view then
    answers with `event_stream_response` (and errors before the stream starts as JSON)."""

    media_type = "text/event-stream"
    format = "sse"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        raise NotImplementedError("the chat view answers a stream itself")


class _End:
    pass


class _Raised:
    def __init__(self, error: BaseException) -> None:
        self.error = error


async def detached(events: AsyncIterator[Event]) -> AsyncIterator[Event]:
    """`events`, produced by a task of their own under ASGI (as they are, elsewhere)."""
    if not serving_async():
        async for event in events:
            yield event
        return
    queue: asyncio.Queue[Event | _End | _Raised] = asyncio.Queue()

    async def run() -> None:
        try:
            async for event in events:
                queue.put_nowait(event)
        except BaseException as error:  # noqa: BLE001 - handed to the reader, who raises it
            if not isinstance(error, DeclaredError | asyncio.CancelledError):
                # The reader (its request) may be gone: a bug must be logged here.
                logger.exception("chat turn failed")
            queue.put_nowait(_Raised(error))
        else:
            queue.put_nowait(_End())

    task = asyncio.create_task(run())
    _running.add(task)
    task.add_done_callback(_running.discard)
    while True:
        item = await queue.get()
        if isinstance(item, _End):
            return
        if isinstance(item, _Raised):
            raise item.error
        yield item


async def told(events: AsyncIterator[Event]) -> AsyncIterator[Event]:
    """`events`, a failure after the first one told as `TurnFailed` (and the stream ended)."""
    started = False
    try:
        async for event in events:
            started = True
            yield event
    except DeclaredError as error:
        if not started:
            raise
        yield TurnFailed(error.status_code, error.body())
    except Exception:
        if not started:
            raise
        yield TurnFailed(ServerError.status_code, ServerError().body())  # logged where it happened


async def turns_finished(*, timeout: float, cancel_timeout: float) -> None:
    """Wait (up to `timeout` seconds) for the turns still running after their requests ended,
    so a process that stops lets them finish and be stored; cancel those still running then,
    and give them `cancel_timeout` seconds to record it (the turn interrupted, its key given
    back) while the event loop and the database threads still run."""
    if not _running:
        return
    _, pending = await asyncio.wait(set(_running), timeout=timeout)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=cancel_timeout)


async def with_heartbeats(chunks: AsyncIterator[bytes], *, every: float = HEARTBEAT_SECONDS) -> AsyncIterator[bytes]:
    """`chunks`, with an SSE comment sent whenever nothing was for `every` seconds (a model
    call can take minutes; proxies close a connection that stays silent much less)."""
    pending: asyncio.Task[bytes] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(chunks))
            done, _ = await asyncio.wait({pending}, timeout=every)
            if not done:
                yield HEARTBEAT
                continue
            try:
                chunk = pending.result()
            except StopAsyncIteration:
                return
            pending = None
            yield chunk
    finally:
        if pending is not None:
            pending.cancel()


async def event_stream_response(events: AsyncIterator[Event]) -> StreamingHttpResponse:
    stream = told(detached(events))
    first = await anext(stream)  # what fails before the turn starts is raised here
    if not serving_async():
        rest = [event async for event in stream]
        return StreamingHttpResponse(encode([first, *rest]), headers=HEADERS)

    async def all_events() -> AsyncIterator[Event]:
        yield first
        async for event in stream:
            yield event

    return StreamingHttpResponse(with_heartbeats(aencode(all_events())), headers=HEADERS)
