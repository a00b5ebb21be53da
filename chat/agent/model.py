"""The seam between the tool-calling loop and a model: `ModelClient.stream`.

A model client streams its next assistant message: the reply's text in pieces as they come,
then the whole `AssistantMessage` (whether a client sees the pieces is the face's choice,
made where events are encoded). A model computed in process
(the offline agent, test models) is a `LocalModel`: it writes `complete`, and its reply is
streamed in word-sized pieces.
"""

import re
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, Protocol, TypedDict

from chat.agent import messages as typed
from chat.agent.messages import AssistantMessage, ToolCall, ToolSchema, Usage, clean_text
from config.errors import DomainError

__all__ = ["AssistantMessage", "ToolCall", "Usage", "clean_text", "cleaned"]


class OpenAIMessage(TypedDict, total=False):
    """A message in OpenAI's chat format, as the offline agent still reads the conversation
    (`chat.agent.offline.model.as_openai_messages` makes it from typed messages): goes when
    the offline agent reads `ChatMessage`s."""

    role: str
    content: str | None
    tool_calls: list[dict[str, Any]]
    tool_call_id: str
    name: str


# The offline agent's name for `OpenAIMessage` (`chat.agent.offline.context` imports it).
ChatMessage = OpenAIMessage


def cleaned(message: AssistantMessage) -> AssistantMessage:
    """`message` with its text (and its calls' text) passed through `clean_text`: what a model
    sends is arbitrary, and it goes into the database, the logs and JSON responses."""
    calls = tuple(
        ToolCall.parse(
            id=clean_text(call.id), name=clean_text(call.name), arguments_json=clean_text(call.arguments_json)
        )
        for call in message.tool_calls
    )
    return replace(message, content=clean_text(message.content), tool_calls=calls)


class ModelClient(Protocol):
    backend: str  # "openai" or "offline"
    model: str  # the model name, for logs

    @property
    def longest_step(self) -> timedelta:
        """An upper bound on one step of a turn with this client (a model call and its tools):
        a turn's idempotency lease that has gone unrenewed this long belongs to a dead process."""
        ...

    def stream(
        self, messages: Sequence[typed.ChatMessage], tools: Sequence[ToolSchema]
    ) -> AsyncIterator["str | AssistantMessage"]:
        """The model's next assistant message: the pieces of its text as they come, then the
        whole message, last. Raises a `ModelError` on provider failure."""
        ...


# A piece of streamed text: a word with the spaces after it (or a run of spaces).
_PIECE = re.compile(r"\S+\s*|\s+")


class LocalModel:
    """A model computed in this process, quickly and with no I/O: `complete` gives the whole
    message at once, and `stream` hands its text out word by word."""

    def complete(self, messages: Sequence[typed.ChatMessage], tools: Sequence[ToolSchema]) -> AssistantMessage:
        raise NotImplementedError

    async def answer(self, messages: Sequence[typed.ChatMessage], tools: Sequence[ToolSchema]) -> AssistantMessage:
        """`complete`, on the event loop (it does no I/O)."""
        return self.complete(messages, tools)

    async def stream(
        self, messages: Sequence[typed.ChatMessage], tools: Sequence[ToolSchema]
    ) -> AsyncIterator["str | AssistantMessage"]:
        message = await self.answer(messages, tools)
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
