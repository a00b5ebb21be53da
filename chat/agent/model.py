"""The seam between the tool-calling loop and a model: `ModelClient.stream`.

A model client streams its next assistant message: the reply's text in pieces as they come
(when asked for `deltas`), then the whole `AssistantMessage`. A model computed in process
(the offline agent, test models) is a `LocalModel`: it writes `complete`, and its reply is
streamed in word-sized pieces.
"""

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, TypedDict

from config.errors import DomainError


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


class ModelError(DomainError):
    """The model provider failed; the turn cannot go on.

    `conversation_id`, once the turn knows it, goes into the error body, so the client can
    retry into the conversation that holds what the turn did before the failure."""

    status_code = 502
    code = "model_error"
    default_detail = "The language model provider returned an error."
    conversation_id: uuid.UUID | None = None

    def in_conversation(self, conversation_id: uuid.UUID) -> "ModelError":
        """The same error, naming the conversation the turn belongs to."""
        error = type(self)(self.detail)
        error.conversation_id = conversation_id
        return error

    def body(self) -> dict[str, Any]:
        body = super().body()
        if self.conversation_id is not None:
            body["conversation_id"] = str(self.conversation_id)
        return body


class ModelProviderError(ModelError):
    pass


class ModelUnavailable(ModelError):
    status_code = 503
    code = "model_unavailable"
    default_detail = "The language model provider is unavailable. Please try again shortly."


class ModelRateLimited(ModelUnavailable):
    code = "model_rate_limited"
    default_detail = "The language model provider's rate limit is exceeded. Please try again shortly."


class ModelTimeout(ModelError):
    status_code = 504
    code = "model_timeout"
    default_detail = "The language model provider did not answer in time."
