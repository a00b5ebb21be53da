"""One chat turn: load the history, run the agent, store the turn.

On a provider failure, what completed (the user's message, tool calls that ran and their
results) is stored before the error goes up, naming the conversation, so the next turn can
continue it.
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from chat.agent.clients import build_model
from chat.agent.model import ModelClient
from chat.agent.prompt import system_prompt
from chat.agent.runner import AgentFailed, AgentTurn, run_agent
from chat.agent.tools import Toolbox
from chat.conversations import start_conversation
from chat.persistence import save_turn
from chat.selectors import get_conversation, history_for
from chat.turn_log import log_turn


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
    on_step: Callable[[], None] | None = None,
) -> ChatTurn:
    """Run one turn of a conversation (a new one when `conversation_id` is None) with `model`
    (the configured one when None). `on_step` is called after every step of the agent.

    Raises `ConversationNotFound`, or a `ModelError` naming the conversation."""
    started = time.perf_counter()
    if conversation_id is None:
        conversation = start_conversation(owner=owner, first_message=message)
    else:
        conversation = get_conversation(owner=owner, conversation_id=conversation_id)
    model = model or build_model()
    turn, outcome = AgentTurn(), "error"
    try:
        try:
            turn = run_agent(
                model=model,
                toolbox=Toolbox(owner),
                system_prompt=system_prompt(user_name=owner.display_name, today=timezone.localdate()),
                history=history_for(conversation=conversation, limit=settings.CHAT_HISTORY_MESSAGES),
                user_message=message,
                on_step=on_step,
            )
        except AgentFailed as failure:
            turn, outcome = failure.turn, failure.error.code
            save_turn(conversation_id=conversation.pk, messages=failure.turn.messages)
            raise failure.error.in_conversation(conversation.pk) from failure
        save_turn(conversation_id=conversation.pk, messages=turn.messages)
        outcome = "ok"
    finally:
        log_turn(conversation=conversation, model=model, turn=turn, started=started, outcome=outcome, message=message)
    return ChatTurn(
        conversation_id=conversation.pk,
        reply=turn.reply,
        tool_calls=[run.as_dict() for run in turn.tool_runs],
        usage=turn.usage.as_dict(),
    )
