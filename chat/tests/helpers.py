"""Helpers shared by the chat tests (and the benchmarks): the chat request, a free port, one
turn of the offline agent, sync wrappers around the turn service, and messages written as
OpenAI-format dicts (as tests read best) turned typed and back."""

import socket
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # bench/load.py imports this module without Django set up
    from collections.abc import AsyncIterator, Iterable, Mapping

    from rest_framework.response import _MonkeyPatchedResponse
    from rest_framework.test import APIClient

    from accounts.models import User
    from chat.agent.events import Event
    from chat.agent.messages import ChatMessage, TurnResult
    from chat.agent.model import ModelClient
    from chat.agent.runner import AgentTurn
    from chat.models import Turn


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


def typed(message: "Mapping[str, Any]") -> "ChatMessage":
    """A message written as an OpenAI-format dict, typed (as it would be read from its row)."""
    from chat.selectors import as_chat_message

    return as_chat_message(message)


def typed_all(messages: "Iterable[Mapping[str, Any]]") -> "list[ChatMessage]":
    return [typed(message) for message in messages]


def as_dict(message: "ChatMessage") -> dict[str, Any]:
    """A typed message as an OpenAI-format dict, as its row's columns hold it (a tool result as
    its JSON text, no empty fields)."""
    from chat.agent.messages import SystemMessage
    from chat.models import Turn
    from chat.persistence import _message

    if isinstance(message, SystemMessage):
        return {"role": "system", "content": message.content}
    row = _message(Turn(), 0, 0, message)
    out: dict[str, Any] = {"role": row.role, "content": row.content}
    if row.tool_calls:
        out["tool_calls"] = row.tool_calls
    if row.role == "tool":
        out["tool_call_id"], out["name"] = row.tool_call_id, row.name
    return out


def as_dicts(messages: "Iterable[ChatMessage]") -> list[dict[str, Any]]:
    return [as_dict(message) for message in messages]


@dataclass(frozen=True)
class Answer:
    """A turn's result as the chat response shows it (the tests read its JSON shape)."""

    conversation_id: uuid.UUID
    reply: str
    tool_calls: list[dict[str, Any]]
    usage: dict[str, int]


def answer(result: "TurnResult") -> Answer:
    body = result.as_json()
    return Answer(result.conversation_id, result.reply, body["tool_calls"], body["usage"])  # type: ignore[arg-type]


async def drain(events: "AsyncIterator[Event]") -> None:
    """Run a turn's events to the end, telling nobody (what the turn did is in its record)."""
    async for _ in events:
        pass


def run_turn(
    *, owner: "User", message: str, conversation_id: object = None, model: "ModelClient | None" = None
) -> Answer:
    """A turn through the chat service, to its end."""
    from asgiref.sync import async_to_sync

    from chat.services import turn_events
    from chat.turns import collect

    events = turn_events(owner=owner, message=message, conversation_id=conversation_id, model=model)  # type: ignore[arg-type]
    return answer(async_to_sync(collect)(events))


def run_turn_once(
    *, owner: "User", key: str, message: str, conversation_id: object = None, model: "ModelClient | None" = None
) -> Answer:
    """A turn through the chat service with an Idempotency-Key, to its end."""
    from asgiref.sync import async_to_sync

    from chat.services import turn_events
    from chat.turns import collect

    events = turn_events(owner=owner, message=message, conversation_id=conversation_id, key=key, model=model)  # type: ignore[arg-type]
    return answer(async_to_sync(collect)(events))


def continue_turn(*, owner: "User", turn: "Turn", model: "ModelClient | None" = None) -> Answer:
    """A stored turn run on from its record, to its end."""
    from asgiref.sync import async_to_sync

    from chat.agent.clients import build_model
    from chat.turns import collect, load_turn, run_turn_events
    from config.database import in_database

    async def run() -> "TurnResult":
        record = await in_database(load_turn, turn.pk)
        return await collect(run_turn_events(owner=owner, record=record, model=model or build_model()))

    return answer(async_to_sync(run)())


def say_offline(user: "User", message: str, history: "list[ChatMessage] | None" = None) -> "AgentTurn":
    """One turn of the offline agent through the real loop and tools, outside any conversation."""
    from asgiref.sync import async_to_sync

    from chat.agent.messages import UserMessage
    from chat.agent.offline import OfflineModel
    from chat.agent.runner import AgentTurn, Unrecorded, run_agent
    from chat.agent.tools import TOOLS, Toolbox

    turn = AgentTurn(messages=[UserMessage(message)])
    events = run_agent(
        model=OfflineModel(),
        tools=TOOLS.schemas,
        recorder=Unrecorded(Toolbox(user)),
        system_prompt="test",
        history=history or [],
        turn=turn,
    )
    async_to_sync(drain)(events)
    return turn


def turn_finished(
    *, conversation_id: "uuid.UUID", reply: str, tool_calls: list[dict[str, Any]], usage: Any = None
) -> Any:
    """A `TurnFinished` from the chat response's JSON shape (`tool_calls` of `{tool_name, arguments, result}`)."""
    from chat.agent.events import TurnFinished
    from chat.agent.messages import TurnResult, Usage

    body = {
        "conversation_id": str(conversation_id),
        "message": reply,
        "tool_calls": tool_calls,
        "usage": (usage or Usage()).as_dict(),
    }
    return TurnFinished(TurnResult.from_json(body))
