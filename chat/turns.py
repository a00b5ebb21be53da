"""One chat turn: store its start, run the agent step by step, each step stored as it completes.

`run_turn` starts a turn and runs it; `continue_turn` runs a stored turn from its last stored
step (a new one from the user's message, an interrupted one from where it stopped, a finished
one not at all) and answers from the record. On a provider failure the turn keeps what it
completed, and the error names the conversation, so the next turn can continue it. When the
database goes away after the turn started, `DatabaseUnavailableMayHaveRun` says so.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from accounts.models import User
from chat.agent.clients import build_model
from chat.agent.model import ModelClient
from chat.agent.prompt import system_prompt
from chat.agent.runner import AgentFailed, AgentTurn, run_agent
from chat.agent.tools import Toolbox
from chat.models import Turn
from chat.persistence import Fence, TurnRecorder, set_status, start_turn, stored_turn
from chat.selectors import history_for
from chat.turn_log import log_turn
from config.outages import DATABASE_ERRORS, DatabaseUnavailableMayHaveRun, close_broken_connections

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
    def from_dict(cls, data: dict[str, Any]) -> "ChatTurn":
        return cls(
            conversation_id=uuid.UUID(data["conversation_id"]),
            reply=data["message"],
            tool_calls=data["tool_calls"],
            usage=data["usage"],
        )


def run_turn(
    *,
    owner: User,
    message: str,
    conversation_id: uuid.UUID | None = None,
    model: ModelClient | None = None,
) -> ChatTurn:
    """Run one turn of a conversation (a new one when `conversation_id` is None) with `model`
    (the configured one when None).

    Raises `ConversationNotFound`, a `ModelError` naming the conversation, or
    `DatabaseUnavailableMayHaveRun` (a database error before the turn is stored goes up as it is)."""
    turn = start_turn(owner=owner, message=message, conversation_id=conversation_id)
    return continue_turn(owner=owner, turn=turn, model=model)


def continue_turn(
    *, owner: User, turn: Turn, model: ModelClient | None = None, fence: Fence | None = None
) -> ChatTurn:
    """Run `turn` on from its last stored step; `fence` (an idempotency key's claim) is renewed
    with every step, which fails with `StepNotStored` once another process runs the turn."""
    started = time.perf_counter()
    conversation = turn.conversation
    model = model or build_model()
    agent_turn, outcome = AgentTurn(), "error"
    try:
        try:
            agent_turn = stored_turn(turn)
            if agent_turn.finished and turn.status != Turn.Status.COMPLETED:
                set_status(turn, Turn.Status.COMPLETED)  # its last step was stored; its status was not
            if not agent_turn.finished:
                if turn.status != Turn.Status.RUNNING:
                    set_status(turn, Turn.Status.RUNNING)
                recorder = TurnRecorder(turn=turn, owner=owner, fence=fence)
                agent_turn = run_agent(
                    model=model,
                    toolbox=Toolbox(owner, recorder),
                    system_prompt=system_prompt(user_name=owner.display_name, today=timezone.localdate()),
                    history=history_for(conversation=conversation, limit=settings.CHAT_HISTORY_MESSAGES, before=turn),
                    recorder=recorder,
                    resume=agent_turn,
                )
        except AgentFailed as failure:
            agent_turn, outcome = failure.turn, failure.error.code
            set_status(turn, Turn.Status.FAILED)
            raise failure.error.in_conversation(conversation.pk) from failure
        except DATABASE_ERRORS as error:
            outcome = DatabaseUnavailableMayHaveRun.code
            _mark_interrupted(turn)
            raise DatabaseUnavailableMayHaveRun(conversation_id=conversation.pk) from error
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
    return ChatTurn(
        conversation_id=conversation.pk,
        reply=agent_turn.reply,
        tool_calls=[run.as_dict() for run in agent_turn.tool_runs],
        usage=agent_turn.usage.as_dict(),
    )


def _mark_interrupted(turn: Turn) -> None:
    """Best effort: the database has just failed, and may still be down."""
    close_broken_connections()
    try:
        set_status(turn, Turn.Status.INTERRUPTED)
    except DatabaseError:
        close_broken_connections()
