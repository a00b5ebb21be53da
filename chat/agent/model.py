"""The seam between the tool-calling loop and a model: `ModelClient.stream`.

A model client streams its next assistant message: the reply's text in pieces as they come,
then the whole `AssistantMessage` (whether a client sees the pieces is the face's choice,
made where events are encoded). A model computed in process
(the offline agent, test models) is a `LocalModel`: it writes `complete`, and its reply is
streamed in word-sized pieces.
"""

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Protocol

from chat.agent import messages as typed
from chat.agent.messages import AssistantMessage, ToolCall, ToolSchema, clean_text


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
