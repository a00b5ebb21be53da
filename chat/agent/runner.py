"""The tool-calling loop, shared by every model client.

The loop hands each completed step to a `StepRecorder` as it completes: the assistant message
and, for a message that calls tools, a function that runs them. The recorder runs that function
inside the transaction that stores the step, so a tool's effect is committed together with the
call that asked for it and its result, or not at all. No transaction is open while the model
is called. A turn cut short is continued by passing what it stored as the turn: the loop picks
up after its last stored step, and no stored tool call runs again. The loop is async and tells
each step as it happens (`chat.agent.events`); the database work of a step runs through
`config.database.in_database`, off the event loop.
"""

import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from chat.agent.events import Event, StepFinished, StepStarted, TextDelta, ToolCallFinished, ToolCallStarted
from chat.agent.model import (
    AssistantMessage,
    ChatMessage,
    ModelClient,
    Usage,
    clean_text,
)
from chat.agent.tool_registry import InvalidArguments, parse_arguments
from chat.agent.tools import Toolbox
from chat.errors import ModelError, ModelProviderError
from config.database import in_database

logger = logging.getLogger(__name__)

MAX_MODEL_CALLS = 8
LOOP_LIMIT_REPLY = (
    "I'm sorry, I couldn't finish that request in a reasonable number of steps. "
    "Here is what I did so far; please try again with a simpler request."
)


@dataclass(frozen=True)
class ToolRun:
    tool_name: str
    arguments: dict[str, Any]
    result: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"tool_name": self.tool_name, "arguments": self.arguments, "result": self.result}


@dataclass
class AgentTurn:
    """What one turn produced. `messages` are the new messages of the turn, in order,
    starting with the user's, in OpenAI's format: exactly what is stored."""

    messages: list[ChatMessage] = field(default_factory=list)
    tool_runs: list[ToolRun] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    model_calls: int = 0
    reply: str = ""

    @property
    def finished(self) -> bool:
        """Whether the last message is a final answer (an assistant message calling no tool)."""
        last = self.messages[-1] if self.messages else None
        return last is not None and last["role"] == "assistant" and not last.get("tool_calls")

    @classmethod
    def from_messages(cls, messages: list[ChatMessage], *, usage: Usage, model_calls: int) -> "AgentTurn":
        """A turn as it was stored: its tool runs read back from the calls and their results."""
        turn = cls(messages=list(messages), usage=usage, model_calls=model_calls)
        calls: dict[str, tuple[str, dict[str, Any]]] = {}
        for message in messages:
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                try:
                    arguments = parse_arguments(function.get("arguments") or "")
                except InvalidArguments:
                    arguments = {}
                calls[str(call.get("id"))] = (str(function.get("name")), arguments)
            if message["role"] == "tool" and message.get("tool_call_id") in calls:
                name, arguments = calls[message["tool_call_id"]]
                try:
                    result = json.loads(message.get("content") or "{}")
                except ValueError:
                    result = {}
                turn.tool_runs.append(ToolRun(name, arguments, result if isinstance(result, dict) else {}))
        if turn.finished:
            turn.reply = turn.messages[-1].get("content") or ""
        return turn


@dataclass(frozen=True)
class Step:
    """One completed step: the assistant's message, what its model call cost, and, when it
    calls tools, `run_tools`, which runs them in order and returns their result messages."""

    message: ChatMessage
    usage: Usage = field(default_factory=Usage)
    model_call: bool = True
    run_tools: Callable[[], list[ChatMessage]] | None = None


class StepRecorder(Protocol):
    async def record_step(self, step: Step) -> list[ChatMessage]:
        """Run the step's tools and store the step, all in one transaction; returns the tool
        result messages. Raises if the step could not be stored (then nothing of it happened)."""
        ...


class Unrecorded:
    """A recorder that stores nothing: the tools run on their own (tests, evaluation tools)."""

    async def record_step(self, step: Step) -> list[ChatMessage]:
        return await in_database(step.run_tools) if step.run_tools is not None else []


class AgentFailed(Exception):
    """The model failed mid-turn. `turn` holds everything that completed before it."""

    def __init__(self, error: ModelError, turn: AgentTurn) -> None:
        super().__init__(str(error))
        self.error = error
        self.turn = turn


# What the model is sent of the conversation before the turn, given the turn's messages so far.
HistoryWindow = Callable[[list[ChatMessage]], list[ChatMessage]]


async def run_agent(
    *,
    model: ModelClient,
    toolbox: Toolbox,
    system_prompt: str,
    history: list[ChatMessage],
    turn: AgentTurn,
    recorder: StepRecorder | None = None,
    window: HistoryWindow | None = None,
    deltas: bool = False,
    max_model_calls: int = MAX_MODEL_CALLS,
) -> AsyncIterator[Event]:
    """Run one turn, telling each step as it happens: call the model, run the tools it asks
    for in order, feed results back, until it gives a final answer or `max_model_calls` calls
    have been made.

    `turn` is the turn so far, its messages starting with the user's, and is updated as the
    loop goes: a stored turn goes on from its last step, or stays as it is if it has its final
    answer. Each step goes through `recorder` (by default nothing is stored); `window` picks
    what of `history` the model is sent at each call (by default all of it); `deltas` asks the
    model for the reply's text in pieces. Raises `AgentFailed` when the model fails."""
    recorder = recorder or Unrecorded()
    if turn.finished:
        return
    system: ChatMessage = {"role": "system", "content": system_prompt}

    while turn.model_calls < max_model_calls:
        sent = window(turn.messages) if window is not None else history
        yield StepStarted()
        reply: AssistantMessage | None = None
        try:
            async for part in model.stream([system, *sent, *turn.messages], toolbox.schemas, deltas=deltas):
                if isinstance(part, str):
                    if part:
                        yield TextDelta(clean_text(part))
                else:
                    reply = part.cleaned()
        except ModelError as error:
            raise AgentFailed(error, turn) from error
        except Exception as error:
            # A model client must raise ModelError; anything else is a bug, but what the
            # turn already did must still be stored.
            logger.exception("model client %s failed unexpectedly", model.backend)
            raise AgentFailed(ModelProviderError(), turn) from error
        if reply is None:
            raise AgentFailed(ModelProviderError("The language model provider sent no message."), turn)
        message = reply.as_chat_message()
        if not reply.tool_calls:
            await recorder.record_step(Step(message, reply.usage))
            _add(turn, reply, [message])
            turn.reply = reply.content
            yield StepFinished()
            return
        for call in reply.tool_calls:
            yield ToolCallStarted(call.id, call.name, _arguments(call.arguments))
        runs: list[ToolRun] = []

        requested = reply.tool_calls

        def run_tools(calls: tuple = requested, runs: list[ToolRun] = runs) -> list[ChatMessage]:
            runs.clear()  # a recorder that retries the step runs them again from the start
            results: list[ChatMessage] = []
            for call in calls:
                arguments, result = toolbox.run(name=call.name, arguments_json=call.arguments)
                runs.append(ToolRun(call.name, arguments, result))
                results.append(
                    {"role": "tool", "tool_call_id": call.id, "name": call.name, "content": json.dumps(result)}
                )
            return results

        results = await recorder.record_step(Step(message, reply.usage, run_tools=run_tools))
        _add(turn, reply, [message, *results])
        turn.tool_runs.extend(runs)
        for call, run in zip(reply.tool_calls, runs, strict=True):
            yield ToolCallFinished(call.id, call.name, run.result)
        yield StepFinished()

    final: ChatMessage = {"role": "assistant", "content": LOOP_LIMIT_REPLY}
    yield StepStarted()
    await recorder.record_step(Step(final, model_call=False))
    turn.messages.append(final)
    turn.reply = LOOP_LIMIT_REPLY
    yield TextDelta(LOOP_LIMIT_REPLY)
    yield StepFinished()


async def drain(events: AsyncIterator[Event]) -> None:
    """Run a turn's events to the end, telling nobody (what the turn did is in its record)."""
    async for _ in events:
        pass


def _add(turn: AgentTurn, reply: AssistantMessage, messages: list[ChatMessage]) -> None:
    turn.model_calls += 1
    turn.usage += reply.usage
    turn.messages.extend(messages)


def _arguments(arguments_json: str) -> dict[str, Any]:
    """The arguments as the model sent them, for telling (the tool checks them when it runs)."""
    try:
        return parse_arguments(arguments_json)
    except InvalidArguments:
        return {}
