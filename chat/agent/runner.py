"""The tool-calling loop, shared by every model client: one entry point, `run_agent`, typed
events from one loop.

Each step is data, a `Step`: the assistant message with the tool calls it makes. The loop hands
each completed step to a `StepRecorder`, which runs the step's calls (through the toolbox)
inside the transaction that stores the step, so a tool's effect is committed together with the
call that asked for it and its result, or not at all, and answers with the `ToolRun`s. No
transaction is open while the model is called. A turn cut short is continued by passing what it
stored as the turn: the loop picks up after its last stored step, and no stored tool call runs
again. The database work of a step runs through `config.database.in_database`, off the event
loop.
"""

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from chat.agent.events import Event, StepFinished, StepStarted, TextDelta, ToolCallFinished, ToolCallStarted
from chat.agent.messages import (
    AssistantMessage,
    ChatMessage,
    SystemMessage,
    ToolMessage,
    ToolRun,
    ToolSchema,
    Usage,
    UserMessage,
    clean_text,
)
from chat.agent.model import ModelClient, cleaned
from chat.agent.tool_registry import Toolbox
from chat.errors import ModelError, ModelProviderError
from config.database import in_database

logger = logging.getLogger(__name__)

MAX_MODEL_CALLS = 8
LOOP_LIMIT_REPLY = (
    "I'm sorry, I couldn't finish that request in a reasonable number of steps. "
    "Here is what I did so far; please try again with a simpler request."
)
# The reply that ends a turn the person stopped (stored as its last step, as any reply is).
STOPPED_REPLY = "Stopped."


@dataclass
class AgentTurn:
    """What one turn produced. `messages` are the new messages of the turn, in order,
    starting with the user's: exactly what is stored."""

    messages: list[ChatMessage] = field(default_factory=list)
    tool_runs: list[ToolRun] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    model_calls: int = 0
    reply: str = ""

    @property
    def finished(self) -> bool:
        """Whether the last message is a final answer (an assistant message calling no tool)."""
        last = self.messages[-1] if self.messages else None
        return isinstance(last, AssistantMessage) and not last.tool_calls

    @property
    def said(self) -> str:
        """The user's message that started the turn."""
        first = self.messages[0] if self.messages else None
        return first.content if isinstance(first, UserMessage) else ""

    @classmethod
    def from_messages(cls, messages: list[ChatMessage], *, usage: Usage, model_calls: int) -> "AgentTurn":
        """A turn as it was stored: its tool runs read back from the calls and their results."""
        turn = cls(messages=list(messages), usage=usage, model_calls=model_calls)
        calls = {
            call.id: call
            for message in messages
            if isinstance(message, AssistantMessage)
            for call in message.tool_calls
        }
        for message in messages:
            if isinstance(message, ToolMessage) and (call := calls.get(message.call_id)) is not None:
                turn.tool_runs.append(ToolRun(call.name, call.arguments or {}, message.result))
        last = turn.messages[-1] if turn.messages else None
        if turn.finished and isinstance(last, AssistantMessage):
            turn.reply = last.content
        return turn


@dataclass(frozen=True)
class Step:
    """One completed step: the assistant's message (with the tool calls it makes, if any),
    whether it came from a model call (the loop's own final message did not) and whether it
    ends a turn the person stopped."""

    message: AssistantMessage
    model_call: bool = True
    stopped: bool = False

    @property
    def final(self) -> bool:
        return not self.message.tool_calls

    def messages(self, runs: Sequence[ToolRun]) -> list[ChatMessage]:
        """The step's messages as stored: the assistant's, then each call's result."""
        results = [
            ToolMessage(call.id, call.name, run.result) for call, run in zip(self.message.tool_calls, runs, strict=True)
        ]
        return [self.message, *results]


class StepRecorder(Protocol):
    @property
    def stop_requested(self) -> bool:
        """Whether the person asked to stop the turn (as the last step stored found it)."""
        ...

    async def record_step(self, step: Step) -> list[ToolRun]:
        """Run the step's tool calls and store the step, all in one transaction; returns the
        runs, in the order of the calls. Raises if the step could not be stored (then nothing
        of it happened)."""
        ...


class Unrecorded:
    """A recorder that stores nothing: the tools run on their own (tests, evaluation tools)."""

    stop_requested = False

    def __init__(self, toolbox: Toolbox) -> None:
        self.toolbox = toolbox

    async def record_step(self, step: Step) -> list[ToolRun]:
        return await in_database(lambda: [self.toolbox.run(call) for call in step.message.tool_calls])


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
    tools: Sequence[ToolSchema],
    recorder: StepRecorder,
    system_prompt: str,
    history: list[ChatMessage],
    turn: AgentTurn,
    window: HistoryWindow | None = None,
    max_model_calls: int = MAX_MODEL_CALLS,
) -> AsyncIterator[Event]:
    """Run one turn, telling each step as it happens: call the model, run the tools it asks
    for (through `recorder`), feed results back, until it gives a final answer or
    `max_model_calls` calls have been made, or the person asked to stop it (seen between
    steps: the step under way completes, then the turn ends with `STOPPED_REPLY`).

    `turn` is the turn so far, its messages starting with the user's, and is updated as the
    loop goes: a stored turn goes on from its last step, or stays as it is if it has its final
    answer. `window` picks what of `history` the model is sent at each call (by default all of
    it). Raises `AgentFailed` when the model fails."""
    system = SystemMessage(system_prompt)
    while not turn.finished and turn.model_calls < max_model_calls and not recorder.stop_requested:
        sent = window(turn.messages) if window is not None else history
        yield StepStarted()
        reply: AssistantMessage | None = None
        async for part in _model_reply(model, [system, *sent, *turn.messages], tools, turn):
            if isinstance(part, str):
                yield TextDelta(part)
            else:
                reply = part
        if reply is None:
            raise AgentFailed(ModelProviderError("The language model provider sent no message."), turn)
        for call in reply.tool_calls:
            yield ToolCallStarted(call.id, call.name, call.arguments or {})
        step = Step(reply)
        runs = await recorder.record_step(step)
        _add(turn, step, runs)
        for call, run in zip(reply.tool_calls, runs, strict=True):
            yield ToolCallFinished(call.id, call.name, run.result)
        yield StepFinished()
    if turn.finished:
        return
    # Stopped by the person, or out of model calls: the loop's own reply ends the turn.
    stopped = recorder.stop_requested
    content = STOPPED_REPLY if stopped else LOOP_LIMIT_REPLY
    final = Step(AssistantMessage(content=content), model_call=False, stopped=stopped)
    yield StepStarted()
    await recorder.record_step(final)
    _add(turn, final, [])
    yield TextDelta(content)
    yield StepFinished()


async def _model_reply(
    model: ModelClient, messages: list[ChatMessage], tools: Sequence[ToolSchema], turn: AgentTurn
) -> AsyncIterator[str | AssistantMessage]:
    """The model's text pieces (cleaned, none empty), then its whole message, cleaned (if it
    sent one); any failure as `AgentFailed`, with what the turn completed before it."""
    reply: AssistantMessage | None = None
    try:
        async for part in model.stream(messages, tools):
            if isinstance(part, str):
                if part:
                    yield clean_text(part)
            else:
                reply = cleaned(part)
    except ModelError as error:
        raise AgentFailed(error, turn) from error
    except Exception as error:
        # A model client must raise ModelError; anything else is a bug, but what the turn
        # already did must still be stored.
        logger.exception("model client %s failed unexpectedly", model.backend)
        raise AgentFailed(ModelProviderError(), turn) from error
    if reply is not None:
        yield reply


def _add(turn: AgentTurn, step: Step, runs: list[ToolRun]) -> None:
    turn.model_calls += int(step.model_call)
    turn.usage += step.message.usage
    turn.messages.extend(step.messages(runs))
    turn.tool_runs.extend(runs)
    if step.final:
        turn.reply = step.message.content
