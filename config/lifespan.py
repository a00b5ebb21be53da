"""The ASGI lifespan protocol around Django's handler (which does not speak it): at shutdown,
the server waits for the chat turns still running after their clients left
(`chat.streaming.turns_finished`), so stopping or restarting a worker loses none of them."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
Application = Callable[[Scope, Receive, Send], Awaitable[None]]

# Under gunicorn's graceful_timeout (30 s), after which it kills the worker.
SHUTDOWN_WAIT_SECONDS = 25.0


class FinishingTurns:
    def __init__(self, application: Application) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.application(scope, receive, send)
            return
        from chat.streaming import turns_finished  # Django is set up by now

        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await turns_finished(timeout=SHUTDOWN_WAIT_SECONDS)
                await send({"type": "lifespan.shutdown.complete"})
                return
