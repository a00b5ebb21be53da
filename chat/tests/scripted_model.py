"""An in-process model client for turn tests: it answers each call with the next scripted
message (or raises it, or calls it with the conversation), and remembers what it was sent."""

import itertools
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from chat.agent.messages import AssistantMessage, ChatMessage, ToolCall, ToolSchema, Usage
from chat.agent.model import LocalModel
from chat.tests.helpers import as_dicts
from config.database import in_database

_ids = itertools.count(1)
Answer = AssistantMessage | Exception | Callable[[Sequence[ChatMessage]], AssistantMessage]


def calls(*calls: tuple[str, dict[str, Any]]) -> AssistantMessage:
    """An assistant message calling each (tool, arguments) in order."""
    return AssistantMessage(
        tool_calls=tuple(
            ToolCall.of(id=f"call_{next(_ids)}", name=name, arguments=arguments) for name, arguments in calls
        ),
        usage=Usage(10, 5, 15),
    )


def say(content: str) -> AssistantMessage:
    return AssistantMessage(content=content, usage=Usage(10, 5, 15))


class ScriptedModel(LocalModel):
    backend = "scripted"
    model = "scripted-1"

    def __init__(self, *answers: Answer, step: timedelta = timedelta(seconds=60)) -> None:
        self.answers = list(answers)
        self.sent: list[list[dict[str, Any]]] = []  # each call's messages, as OpenAI-format dicts
        self.step = step

    @property
    def longest_step(self) -> timedelta:
        return self.step

    async def answer(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSchema]) -> AssistantMessage:
        # A scripted answer may look at the database (what a step stored before the next call).
        return await in_database(self.complete, messages, tools)

    def complete(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSchema]) -> AssistantMessage:
        self.sent.append(as_dicts(messages))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(messages)
        return answer
