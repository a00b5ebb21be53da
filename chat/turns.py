"""One chat turn: store its start, run the agent step by step, each step stored as it completes.

`turn_events` starts a turn and runs it, telling it as it goes (`chat.agent.events`);
`continued_turn_events` runs a stored turn from its last stored step (a new one from the user's
message, an interrupted one from where it stopped, a finished one not at all) and answers from
the record. Both end with `TurnFinished`; `collect` makes that a `ChatTurn`, and `run_turn` is
the whole turn for sync callers (commands, tests). On a provider failure the turn keeps what it
completed, and the error names the conversation, so the next turn can continue it. When the
database goes away after the turn started, `DatabaseUnavailableMayHaveRun` says so.

The turn is async: its database work runs through `config.database.in_database`, and no
thread or connection is held while the model is called.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts.models import User
from chat.agent.clients import build_model
from chat.agent.events import Event, TurnFinished, TurnStarted, told_again
from chat.agent.model import ChatMessage, ModelClient
from chat.agent.prompt import system_prompt
from chat.agent.runner import AgentFailed, AgentTurn, HistoryWindow, run_agent
from chat.agent.tools import Toolbox
from chat.context_window import REPLY_RESERVE_TOKENS, estimate_tokens, estimate_tool_tokens, fit_history
from chat.models import Turn
from chat.persistence import Fence, TurnRecorder, set_status, start_turn, stored_turn
from chat.selectors import history_for
from chat.turn_log import log_turn
from config.database import in_database
from config.errors import DatabaseUnavailableMayHaveRun
from config.outages import DATABASE_ERRORS, close_broken_connections

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatTurn:
    """What a turn answered: the reply, every tool it ran (in order) and the tokens it used."""

    conversation_id: uuid.UUID
    reply: str
    tool_calls: list[dict[str, Any]]
    usage: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        """The turn as JSON data, in the chat response's shape (what an idempotency key stores)."""
        return {
            "conversation_id": str(self.conversation_id),
            "message": self.reply,
            "tool_calls": self.tool_calls,
            "usage": self.usage,
        }

    @classmethod
    def finished(cls, event: TurnFinished) -> "ChatTurn":
        return cls(
            conversation_id=event.conversation_id,
            reply=event.reply,
            tool_calls=event.tool_calls,
            usage=event.usage.as_dict(),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ChatTurn":
        return cls(
            conversation_id=uuid.UUID(data["conversation_id"]),
            reply=data["message"],
            tool_calls=data["tool_calls"],
            usage=data["usage"],
        )


async def turn_events(
    *,
    owner: User,
    message: str,
    conversation_id: uuid.UUID | None = None,
    model: ModelClient | None = None,
    deltas: bool = False,
) -> AsyncIterator[Event]:
    """Run one turn of a conversation (a new one when `conversation_id` is None) with `model`
    (the configured one when None), telling it as it goes; `deltas` streams the reply's text.

    Raises `ConversationNotFound` (before any event), a `ModelError` naming the conversation, or
    `DatabaseUnavailableMayHaveRun` (a database error before the turn is stored goes up as it is)."""
    turn, begun = await in_database(_begin, owner=owner, message=message, conversation_id=conversation_id)
    async for event in _turn_events(owner=owner, turn=turn, begun=begun, model=model, deltas=deltas):
        yield event


async def continued_turn_events(
    *,
    owner: User,
    turn: Turn,
    model: ModelClient | None = None,
    fence: Fence | None = None,
    deltas: bool = False,
) -> AsyncIterator[Event]:
    """Run `turn` on from its last stored step; `fence` (an idempotency key's claim) is renewed
    with every step, which fails with `StepNotStored` once another process runs the turn."""
    async for event in _turn_events(owner=owner, turn=turn, begun=None, model=model, fence=fence, deltas=deltas):
        yield event


async def _turn_events(
    *,
    owner: User,
    turn: Turn,
    begun: tuple[AgentTurn, list[ChatMessage]] | None,
    model: ModelClient | None,
    deltas: bool,
    fence: Fence | None = None,
) -> AsyncIterator[Event]:
    """`turn` run on, from `begun` (a new turn and its history) or from its record."""
    started = time.perf_counter()
    conversation = turn.conversation
    model = model or build_model()
    agent_turn, outcome = AgentTurn(), "error"
    yield TurnStarted(conversation.pk, turn.pk)
    try:
        try:
            agent_turn, history = begun if begun is not None else await in_database(_resume, turn)
            # What the turn did before (a turn continued after its request died) is told first.
            stored_reply = agent_turn.reply if agent_turn.finished else None
            for event in told_again(
                tool_calls=[run.as_dict() for run in agent_turn.tool_runs], reply=stored_reply, deltas=deltas
            ):
                yield event
            if not agent_turn.finished:
                recorder = TurnRecorder(turn=turn, owner=owner, fence=fence)
                toolbox = Toolbox(owner, recorder)
                prompt = system_prompt(user_name=owner.display_name, today=timezone.localdate())
                async for event in run_agent(
                    model=model,
                    toolbox=toolbox,
                    system_prompt=prompt,
                    history=history,
                    turn=agent_turn,
                    recorder=recorder,
                    window=history_window(history, system_prompt=prompt, tools=toolbox.schemas),
                    deltas=deltas,
                ):
                    yield event
        except AgentFailed as failure:
            agent_turn, outcome = failure.turn, failure.error.code
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
        outcome = "ok"
    finally:
        log_turn(
            conversation=conversation,
            model=model,
            turn=agent_turn,
            started=started,
            outcome=outcome,
            message=(agent_turn.messages[0].get("content") or "") if agent_turn.messages else "",
        )
    yield TurnFinished(
        conversation_id=conversation.pk,
        reply=agent_turn.reply,
        tool_calls=[run.as_dict() for run in agent_turn.tool_runs],
        usage=agent_turn.usage,
    )


def _begin(
    *, owner: User, message: str, conversation_id: uuid.UUID | None
) -> tuple[Turn, tuple[AgentTurn, list[ChatMessage]]]:
    """Store a new turn and read the history before it, in one unit of database work: if the
    read fails, the turn is not stored either."""
    with transaction.atomic():
        turn = start_turn(owner=owner, message=message, conversation_id=conversation_id)
        history = [] if conversation_id is None else _history(turn)
    return turn, (AgentTurn(messages=[{"role": "user", "content": message}]), history)


def _history(turn: Turn) -> list[ChatMessage]:
    return history_for(conversation=turn.conversation, budget=settings.CHAT_CONTEXT_TOKENS, before=turn)


def _resume(turn: Turn) -> tuple[AgentTurn, list[ChatMessage]]:
    """What `turn` stored so far, its status brought up to date, and the history before it."""
    agent_turn = stored_turn(turn)
    if agent_turn.finished:
        if turn.status != Turn.Status.COMPLETED:
            set_status(turn, Turn.Status.COMPLETED)  # its last step was stored; its status was not
        return agent_turn, []
    if turn.status != Turn.Status.RUNNING:
        set_status(turn, Turn.Status.RUNNING)
    return agent_turn, _history(turn)


def history_window(history: list[ChatMessage], *, system_prompt: str, tools: list[dict[str, Any]]) -> HistoryWindow:
    """What of `history` fits in `CHAT_CONTEXT_TOKENS` beside the system prompt, the tools, the
    turn so far and room for the reply: the newest whole groups (a tool call never without
    its result)."""
    fixed = estimate_tokens([{"role": "system", "content": system_prompt}]) + estimate_tool_tokens(tools)
    fixed += REPLY_RESERVE_TOKENS

    def window(turn_messages: list[ChatMessage]) -> list[ChatMessage]:
        return fit_history(
            history=history, fixed_tokens=fixed + estimate_tokens(turn_messages), budget=settings.CHAT_CONTEXT_TOKENS
        )

    return window


async def collect(events: AsyncIterator[Event]) -> ChatTurn:
    """The turn's answer, once its events have run to the end."""
    finished: TurnFinished | None = None
    async for event in events:
        if isinstance(event, TurnFinished):
            finished = event
    if finished is None:
        raise RuntimeError("a turn's events ended without TurnFinished")
    return ChatTurn.finished(finished)


def run_turn(
    *,
    owner: User,
    message: str,
    conversation_id: uuid.UUID | None = None,
    model: ModelClient | None = None,
) -> ChatTurn:
    """`turn_events` to the end, for sync callers (commands, tests)."""
    return async_to_sync(collect)(
        turn_events(owner=owner, message=message, conversation_id=conversation_id, model=model)
    )


def continue_turn(*, owner: User, turn: Turn, model: ModelClient | None = None) -> ChatTurn:
    """`continued_turn_events` to the end, for sync callers (commands, tests)."""
    return async_to_sync(collect)(continued_turn_events(owner=owner, turn=turn, model=model))


def _mark_interrupted(turn: Turn) -> None:
    """Best effort: the database has just failed, and may still be down."""
    close_broken_connections()
    try:
        set_status(turn, Turn.Status.INTERRUPTED)
    except DatabaseError:
        close_broken_connections()
