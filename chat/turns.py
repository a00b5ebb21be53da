"""One chat turn: start it, then run it from its record, each step stored as it completes.

- `begin_turn` stores a new turn and reads the history before it, in one unit of database
  work, and `load_turn` reads a stored turn back (its status brought up to date): both give
  a `TurnRecord`, the turn with what it did so far and its history.
- `run_turn_events` runs a turn from its record (new, interrupted or finished alike: a
  finished one tells what it did, and runs nothing), with an optional lease (an idempotency
  key's claim, renewed in each step's transaction), telling it as it goes
  (`chat.agent.events`); it ends with `TurnFinished`, whose `TurnResult` `collect` returns.

On a provider failure the turn keeps what it completed, and the error names the conversation,
so the next turn can continue it. When the database goes away after the turn started,
`DatabaseUnavailableMayHaveRun` says so. The turn is async: its database work runs through
`config.database.in_database`, and no thread or connection is held while the model is called.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction

from accounts.models import User
from accounts.time_zones import local_now
from chat.agent.events import Event, TurnFinished, TurnStarted, told_again
from chat.agent.messages import ChatMessage, SystemMessage, ToolSchema, TurnResult, UserMessage
from chat.agent.model import ModelClient
from chat.agent.prompt import system_prompt
from chat.agent.runner import AgentFailed, AgentTurn, HistoryWindow, run_agent
from chat.agent.tools import TOOLS
from chat.context_window import REPLY_RESERVE_TOKENS, estimate_tokens, estimate_tool_tokens, fit_history
from chat.models import Turn
from chat.persistence import Lease, TurnRecorder, set_status, start_turn, stored_turn
from chat.selectors import history_for
from chat.turn_log import log_turn
from config.database import in_database
from config.errors import DatabaseUnavailableMayHaveRun
from config.outages import DATABASE_ERRORS, close_broken_connections


@dataclass(frozen=True)
class TurnRecord:
    """A stored turn, ready to run on: what it did so far, and the history before it (empty
    for a finished turn, which runs no more)."""

    turn: Turn
    so_far: AgentTurn
    history: list[ChatMessage]


def begin_turn(
    *, owner: User, message: str, conversation_id: uuid.UUID | None = None, lease: Lease | None = None
) -> TurnRecord:
    """Store a new turn and read the history before it, in one unit of database work: if the
    read fails, the turn is not stored either. `lease` is renewed naming the turn."""
    with transaction.atomic():
        turn = start_turn(owner=owner, message=message, conversation_id=conversation_id, lease=lease)
        history = [] if conversation_id is None else _history(turn)
    if lease is not None:
        lease.confirm()
    return TurnRecord(turn, AgentTurn(messages=[UserMessage(message)]), history)


def load_turn(turn_id: int) -> TurnRecord:
    """What the turn `turn_id` stored so far, its status brought up to date, and the history before it."""
    turn = Turn.objects.select_related("conversation").get(pk=turn_id)
    so_far = stored_turn(turn)
    if so_far.finished:
        if turn.status not in (Turn.Status.COMPLETED, Turn.Status.STOPPED):
            set_status(turn, Turn.Status.COMPLETED)  # its last step was stored; its status was not
        return TurnRecord(turn, so_far, [])
    if turn.status != Turn.Status.RUNNING:
        set_status(turn, Turn.Status.RUNNING)
    return TurnRecord(turn, so_far, _history(turn))


def _history(turn: Turn) -> list[ChatMessage]:
    return history_for(conversation=turn.conversation, budget=settings.CHAT_CONTEXT_TOKENS, before=turn)


async def run_turn_events(
    *, owner: User, record: TurnRecord, model: ModelClient, lease: Lease | None = None
) -> AsyncIterator[Event]:
    """Run the turn of `record` on from its last stored step, telling it as it goes; `lease`
    is renewed with every step, which fails with `StepNotStored` once another process runs
    the turn. Raises a `ModelError` naming the conversation, or `DatabaseUnavailableMayHaveRun`."""
    started, turn, so_far = time.perf_counter(), record.turn, record.so_far
    conversation, outcome = turn.conversation, "error"
    yield TurnStarted(conversation.pk, turn.pk)
    try:
        try:
            # What the turn did before (a turn continued after its request died) is told first.
            for event in told_again(tool_runs=so_far.tool_runs, reply=so_far.reply if so_far.finished else None):
                yield event
            async for event in _agent_events(owner=owner, record=record, model=model, lease=lease):
                yield event
        except AgentFailed as failure:
            so_far, outcome = failure.turn, failure.error.code
            await in_database(set_status, turn, Turn.Status.FAILED)
            raise failure.error.in_conversation(conversation.pk) from failure
        except DATABASE_ERRORS as error:
            outcome = DatabaseUnavailableMayHaveRun.code
            await in_database(_mark_interrupted, turn)
            raise DatabaseUnavailableMayHaveRun(conversation_id=conversation.pk) from error
        except asyncio.CancelledError:
            # The process is stopping mid-turn (past its grace period): what completed is stored.
            outcome = "interrupted"
            await asyncio.shield(in_database(_mark_interrupted, turn))
            raise
        outcome = "stopped" if turn.status == Turn.Status.STOPPED else "ok"
    finally:
        log_turn(conversation=conversation, model=model, turn=so_far, started=started, outcome=outcome)
    result = TurnResult(conversation.pk, so_far.reply, tuple(so_far.tool_runs), so_far.usage)
    yield TurnFinished(result)


async def _agent_events(
    *, owner: User, record: TurnRecord, model: ModelClient, lease: Lease | None
) -> AsyncIterator[Event]:
    """The agent loop on the turn of `record` (nothing, when it has finished)."""
    if record.so_far.finished:
        return
    prompt = system_prompt(user_name=owner.display_name, now=local_now(owner))
    async for event in run_agent(
        model=model,
        tools=TOOLS.schemas,
        recorder=TurnRecorder(turn=record.turn, owner=owner, lease=lease),
        system_prompt=prompt,
        history=record.history,
        turn=record.so_far,
        window=history_window(record.history, system_prompt=prompt, tools=TOOLS.schemas),
    ):
        yield event


def history_window(history: list[ChatMessage], *, system_prompt: str, tools: Sequence[ToolSchema]) -> HistoryWindow:
    """What of `history` fits in `CHAT_CONTEXT_TOKENS` beside the system prompt, the tools, the
    turn so far and room for the reply: the newest whole groups (a tool call never without
    its result)."""
    fixed = estimate_tokens([SystemMessage(system_prompt)]) + estimate_tool_tokens(tools)
    fixed += REPLY_RESERVE_TOKENS

    def window(turn_messages: list[ChatMessage]) -> list[ChatMessage]:
        return fit_history(
            history=history, fixed_tokens=fixed + estimate_tokens(turn_messages), budget=settings.CHAT_CONTEXT_TOKENS
        )

    return window


async def collect(events: AsyncIterator[Event]) -> TurnResult:
    """The turn's answer, once its events have run to the end."""
    finished: TurnFinished | None = None
    async for event in events:
        if isinstance(event, TurnFinished):
            finished = event
    if finished is None:
        raise RuntimeError("a turn's events ended without TurnFinished")
    return finished.result


def _mark_interrupted(turn: Turn) -> None:
    """Best effort: the database has just failed, and may still be down."""
    close_broken_connections()
    try:
        set_status(turn, Turn.Status.INTERRUPTED)
    except DatabaseError:
        close_broken_connections()
