"""What a turn tells as it runs: the events the agent loop yields, in order.

One loop, three faces: the JSON response collects the events into one answer, the SSE
response forwards each as it happens, the terminal chat prints them.

A turn's events: `TurnStarted`, then per step `StepStarted`, the reply's text as `TextDelta`
pieces, each tool call as `ToolCallStarted` and, once the step is stored, its `ToolCallFinished`,
then `StepFinished`; last `TurnFinished` (or `TurnFailed`).
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chat.agent.messages import ToolArguments, ToolResult, ToolRun, TurnResult


@dataclass(frozen=True)
class TurnStarted:
    """The turn is stored (with the user's message): `conversation_id` holds it from now on."""

    conversation_id: uuid.UUID
    turn_id: int


@dataclass(frozen=True)
class StepStarted:
    """A model call begins."""


@dataclass(frozen=True)
class TextDelta:
    """A piece of the reply's text, in order."""

    text: str


@dataclass(frozen=True)
class ToolCallStarted:
    """The model asked for a tool call (it runs when its step is stored)."""

    call_id: str
    tool_name: str
    arguments: ToolArguments


@dataclass(frozen=True)
class ToolCallFinished:
    """A tool call ran and its step is stored: `result` is what the model reads."""

    call_id: str
    tool_name: str
    result: ToolResult


@dataclass(frozen=True)
class StepFinished:
    """A step is stored (its model call, and its tool calls with their results)."""


@dataclass(frozen=True)
class TurnFinished:
    """The turn is complete and stored: `result` is what it answered (the chat response)."""

    result: TurnResult


@dataclass(frozen=True)
class TurnFailed:
    """The turn stopped on an error; what it completed before is stored. `body` is the error's
    JSON body (with its `code`, and the `conversation_id` once the turn has one)."""

    status_code: int
    body: Mapping[str, Any]


Event = (
    TurnStarted
    | StepStarted
    | TextDelta
    | ToolCallStarted
    | ToolCallFinished
    | StepFinished
    | TurnFinished
    | TurnFailed
)


def told_again(*, tool_runs: Sequence[ToolRun], reply: str | None) -> list[Event]:
    """What a turn already did, told again as events (no tool runs again): its stored tool runs
    as one step, and its `reply` when it has one."""
    events: list[Event] = []
    if tool_runs:
        events.append(StepStarted())
        for index, run in enumerate(tool_runs):
            call_id = f"stored_{index}"
            events.append(ToolCallStarted(call_id, run.tool_name, run.arguments))
            events.append(ToolCallFinished(call_id, run.tool_name, run.result))
        events.append(StepFinished())
    if reply is not None:
        events += [StepStarted(), TextDelta(reply), StepFinished()]
    return events
