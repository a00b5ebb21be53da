"""The seam between the tool-calling loop and a model: `ModelClient.stream`.

A model client streams its next assistant message: the reply's text in pieces as they come
(when asked for `deltas`), then the whole `AssistantMessage`. A model computed in process
(the offline agent, test models) is a `LocalModel`: it writes `complete`, and its reply is
streamed in word-sized pieces.
"""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, TypedDict


class ChatMessage(TypedDict, total=False):
    """A message in OpenAI's chat-completions format. Every message has a `role`; `content` is
    None only on the wire, for an assistant message that just calls tools."""

    role: str  # "system", "user", "assistant" or "tool"
    content: str | None
    tool_calls: list[dict[str, Any]]  # assistant: the calls, in OpenAI's format
    tool_call_id: str  # tool: which call this answers
    name: str  # tool: the tool's name


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.total_tokens + other.total_tokens,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True)
class ToolCall:
    """One function call requested by the model; `arguments` is the raw JSON text it sent."""

    id: str
    name: str
    arguments: str

    def as_message_part(self) -> dict[str, Any]:
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.arguments}}


@dataclass(frozen=True)
class AssistantMessage:
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = field(default_factory=Usage)

    def cleaned(self) -> "AssistantMessage":
        """The message with its text passed through `clean_text`."""
        calls = tuple(ToolCall(*clean_text([call.id, call.name, call.arguments])) for call in self.tool_calls)
        return AssistantMessage(content=clean_text(self.content), tool_calls=calls, usage=self.usage)

    def as_chat_message(self) -> ChatMessage:
        message: ChatMessage = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [call.as_message_part() for call in self.tool_calls]
        return message


def clean_text(value: Any) -> Any:
    """`value` with every string made storable and renderable: no NUL characters (PostgreSQL
    keeps none in text or JSON) and no lone surrogates (not encodable as UTF-8). Strings from
    a model are arbitrary; they go into the database, the logs and JSON responses."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, list):
        return [clean_text(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key): clean_text(item) for key, item in value.items()}
    return value


class ModelClient(Protocol):
    backend: str  # "openai" or "offline"
    model: str  # the model name, for logs

    @property
    def longest_step(self) -> timedelta:
        """An upper bound on one step of a turn with this client (a model call and its tools):
        a turn's idempotency lease that has gone unrenewed this long belongs to a dead process."""
        ...

    def stream(
        self, messages: list[ChatMessage], tools: list[dict[str, Any]], *, deltas: bool
    ) -> AsyncIterator["str | AssistantMessage"]:
        """The model's next assistant message: when `deltas`, the pieces of its text as they
        come, then the whole message, last. Raises a `ModelError` on provider failure."""
        ...


# A piece of streamed text: a word with the spaces after it (or a run of spaces).
_PIECE = re.compile(r"\S+\s*|\s+")


class LocalModel:
    """A model computed in this process, quickly and with no I/O: `complete` gives the whole
    message at once, and `stream` hands its text out word by word."""

    def complete(self, messages: list[ChatMessage], tools: list[dict[str, Any]]) -> AssistantMessage:
        raise NotImplementedError

    async def answer(self, messages: list[ChatMessage], tools: list[dict[str, Any]]) -> AssistantMessage:
        """`complete`, on the event loop (it does no I/O)."""
        return self.complete(messages, tools)

    async def stream(
        self, messages: list[ChatMessage], tools: list[dict[str, Any]], *, deltas: bool
    ) -> AsyncIterator["str | AssistantMessage"]:
        message = await self.answer(messages, tools)
        if deltas:
            for piece in _PIECE.findall(message.content):
                yield piece
        yield message
