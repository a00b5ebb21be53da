"""Helpers shared by the chat tests (and the benchmarks): the chat request, and a free port."""

import socket
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # bench/load.py imports this module without Django set up
    from rest_framework.response import _MonkeyPatchedResponse
    from rest_framework.test import APIClient


def chat_url(user: Any) -> str:
    return f"/api/{user.pk}/chat"


def chat(
    client: "APIClient",
    user: Any,
    message: str,
    conversation_id: object = None,
    *,
    key: str | None = None,
    **extra: Any,
) -> "_MonkeyPatchedResponse":
    """POST `message` to `user`'s chat endpoint as JSON; `conversation_id` continues a
    conversation, `key` is sent as the `Idempotency-Key` header, `extra` goes to the client."""
    data: dict[str, Any] = {"message": message}
    if conversation_id is not None:
        data["conversation_id"] = str(conversation_id)
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(chat_url(user), data, format="json", **extra)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for a server to start on, or to refuse)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
