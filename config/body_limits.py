"""Limits on a request body enforced as it arrives, before Django reads any of it.

Django's ASGI handler reads the whole body into a temporary file before a view runs, and only
then checks `DATA_UPLOAD_MAX_MEMORY_SIZE`: a client could make the server write any amount to
disk, or hold a request open by announcing a body it never sends. `BodyLimits` wraps the ASGI
application (config/asgi.py) and answers instead, with the JSON error body the views give:

- a `Content-Length` over the limit: 413 `request_too_large` at once, no byte of it read;
- a body (chunked, or longer than announced) passing the limit: 413 as soon as it does;
- a body not complete within `REQUEST_BODY_TIMEOUT` seconds: 408 `request_timeout`.

Both answers close the connection, so the rest of the body is never read. To stop Django's
reading, it is told the client left (`http.disconnect`), on which it returns without a response.
"""

import asyncio
import json
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from config.errors import DeclaredError, RequestTimeout, RequestTooLarge
from config.lifespan import Application, Receive, Scope, Send


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses such a request before the application sees it
    return None


async def send_error(send: Send, error: DeclaredError) -> None:
    body = json.dumps(error.body()).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimits:
    def __init__(self, application: Application) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.application(scope, receive, send)
            return
        limit: int | None = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = _content_length(scope)
        if limit is not None and length is not None and length > limit:
            await send_error(send, RequestTooLarge())
            return
        reading = BodyReader(receive, limit=limit, timeout=settings.REQUEST_BODY_TIMEOUT)
        started = False

        async def tracking_send(message: Mapping[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.application(scope, reading.receive, tracking_send)
        if reading.error is not None and not started:
            await send_error(send, reading.error)


class BodyReader:
    """The `receive` given to the application: the client's, counting the body and bounding
    the time it takes; over either limit the application hears that the client left."""

    def __init__(self, receive: Receive, *, limit: int | None, timeout: float) -> None:
        self.client_receive = receive
        self.limit = limit
        self.deadline = time.monotonic() + timeout
        self.received = 0
        self.complete = False
        self.error: DeclaredError | None = None

    async def receive(self) -> Mapping[str, Any]:
        if self.complete:
            return await self.client_receive()  # the body is in: only a disconnect is left to hear
        if self.error is not None:
            return {"type": "http.disconnect"}
        try:
            async with asyncio.timeout(max(0.0, self.deadline - time.monotonic())):
                message = await self.client_receive()
        except TimeoutError:
            self.error = RequestTimeout()
            return {"type": "http.disconnect"}
        if message["type"] != "http.request":
            return message
        self.received += len(message.get("body", b""))
        if self.limit is not None and self.received > self.limit:
            self.error = RequestTooLarge()
            return {"type": "http.disconnect"}
        self.complete = not message.get("more_body", False)
        return message
