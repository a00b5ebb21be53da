"""Helpers shared by the chat tests (and the benchmarks): the chat request, a free port, and one
turn of the offline agent."""

import socket
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # bench/load.py imports this module without Django set up
    from rest_framework.response import _MonkeyPatchedResponse
    from rest_framework.test import APIClient

    from accounts.models import User
    from chat.agent.model import ChatMessage
    from chat.agent.runner import AgentTurn


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


def parse_sse(stream: bytes) -> list[Any]:
    """The events of a UI message stream: each a single `data:` line, then a blank line;
    `[DONE]` as the string, everything else as parsed JSON."""
    import json

    text = stream.decode()
    assert text.endswith("\n\n")
    events: list[Any] = []
    for block in text[:-2].split("\n\n"):
        lines = block.split("\n")
        assert len(lines) == 1 and lines[0].startswith("data: "), block
        data = lines[0].removeprefix("data: ")
        events.append(data if data == "[DONE]" else json.loads(data))
    return events


def chunk_types(chunks: list[Any]) -> list[str]:
    """Each chunk's `type` (and `[DONE]` as it is)."""
    return [chunk if isinstance(chunk, str) else chunk["type"] for chunk in chunks]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for a server to start on, or to refuse)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def say_offline(user: "User", message: str, history: "list[ChatMessage] | None" = None) -> "AgentTurn":
    """One turn of the offline agent through the real loop and tools, outside any conversation."""
    from asgiref.sync import async_to_sync

    from chat.agent.offline import OfflineModel
    from chat.agent.runner import AgentTurn, drain, run_agent
    from chat.agent.tools import Toolbox

    turn = AgentTurn(messages=[{"role": "user", "content": message}])
    events = run_agent(
        model=OfflineModel(), toolbox=Toolbox(user), system_prompt="test", history=history or [], turn=turn
    )
    async_to_sync(drain)(events)
    return turn
