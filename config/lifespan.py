"""The ASGI lifespan protocol around Django's handler (which does not speak it): at shutdown,
the server waits for the chat turns still running after their clients left
(`chat.streaming.turns_finished`), so stopping or restarting a worker loses none of them.

Stopping a worker fits in gunicorn's `graceful_timeout` (config/gunicorn.py), after which it
kills the worker: uvicorn first gives open requests `REQUESTS_GRACE_SECONDS`
(config/uvicorn_worker.py); then the turns left running get `TURNS_GRACE_SECONDS` to finish,
and those still running then are cancelled, with `CANCEL_GRACE_SECONDS` to record that they
were interrupted (and give their `Idempotency-Key` back, so a retry continues them at once).
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
Application = Callable[[Scope, Receive, Send], Awaitable[None]]

GRACEFUL_TIMEOUT_SECONDS = 30
REQUESTS_GRACE_SECONDS = 10
TURNS_GRACE_SECONDS = 12.0
CANCEL_GRACE_SECONDS = 3.0


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
                await turns_finished(timeout=TURNS_GRACE_SECONDS, cancel_timeout=CANCEL_GRACE_SECONDS)
                await send({"type": "lifespan.shutdown.complete"})
                return
