"""Writing the record of a turn: its start, each step as it completes, its end.

- `start_turn` stores the turn with the user's message (and the conversation, for a new one)
  in one transaction.
- `TurnRecorder.record_step` stores one step of the agent in one short transaction: the
  assistant message, the tools it called run inside that transaction (so their changes to
  tasks, recorded as `TaskChange` rows, commit with the messages or not at all), their result
  messages, the turn's counters. A step's place (turn, step, index) is unique: two processes
  that continue one turn cannot both store its next step, and the loser's tools roll back.
- `save_turn` stores a whole finished turn at once (fixtures, benchmarks, imports).

No transaction is open while the model is called.
"""

import uuid
from typing import Protocol

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from chat.agent.model import ChatMessage, Usage
from chat.agent.runner import AgentTurn, Step
from chat.conversations import start_conversation
from chat.errors import ConversationNotFound
from chat.models import Conversation, Message, TaskChange, Turn
from chat.selectors import repaired, turn_messages
from config.database import in_database
from todos.models import Todo
from todos.services import TaskSnapshot


class StepNotStored(Exception):
    """The step could not be stored because another process now runs the turn (it took the
    key's lease over, or stored this step first). Nothing of the step happened."""


class Fence(Protocol):
    """A claim on running a turn, checked and renewed in the transaction of each step."""

    def renew(self, turn: Turn | None = None) -> None:
        """In the caller's transaction: renew the claim (naming `turn`), or raise `StepNotStored`."""
        ...

    def confirm(self) -> None:
        """The transaction that renewed the claim has committed."""
        ...


def _message(turn: Turn, step: int, index: int, message: ChatMessage) -> Message:
    return Message(
        conversation_id=turn.conversation_id,
        turn=turn,
        step=step,
        index=index,
        role=message["role"],
        content=message.get("content") or "",
        tool_calls=message.get("tool_calls") or None,
        tool_call_id=message.get("tool_call_id", ""),
        name=message.get("name", ""),
    )


def _touch_conversation(conversation_id: uuid.UUID, *, added: int) -> None:
    Conversation.objects.filter(pk=conversation_id).update(
        message_count=F("message_count") + added, updated_at=timezone.now()
    )


def start_turn(
    *, owner: User, message: str, conversation_id: uuid.UUID | None = None, fence: Fence | None = None
) -> Turn:
    """Store a new turn with the user's message, in a new conversation when `conversation_id`
    is None; `fence` (an idempotency key's claim) is renewed naming the turn in the same
    transaction. Raises `ConversationNotFound` and `StepNotStored`."""
    with transaction.atomic():
        if conversation_id is None:
            conversation = start_conversation(owner=owner, first_message=message)
        else:
            found = Conversation.objects.filter(pk=conversation_id, owner=owner).first()
            if found is None:
                raise ConversationNotFound()
            conversation = found
        turn = Turn.objects.create(conversation=conversation, steps=1)
        _message(turn, 0, 0, {"role": "user", "content": message}).save()
        _touch_conversation(conversation.pk, added=1)
        if fence is not None:
            fence.renew(turn)
    if fence is not None:
        fence.confirm()
    turn.conversation = conversation
    return turn


def stored_turn(turn: Turn) -> AgentTurn:
    """What `turn` has stored so far, as the agent loop continues it."""
    usage = Usage(turn.prompt_tokens, turn.completion_tokens, turn.total_tokens)
    return AgentTurn.from_messages(repaired(turn_messages(turn)), usage=usage, model_calls=turn.model_calls)


def set_status(turn: Turn, status: Turn.Status) -> None:
    Turn.objects.filter(pk=turn.pk).update(status=status, updated_at=timezone.now())
    turn.status = status


class TurnRecorder:
    """Stores the steps of one turn as they complete, and records the task changes its tools make."""

    def __init__(self, *, turn: Turn, owner: User, fence: Fence | None = None) -> None:
        self.turn = turn
        self.owner = owner
        self.fence = fence
        self._step = turn.steps

    async def record_step(self, step: Step) -> list[ChatMessage]:
        return await in_database(self.store_step, step)

    def store_step(self, step: Step) -> list[ChatMessage]:
        """Run the step's tools and store it, in one transaction (`record_step`, in the database's thread)."""
        number = self.turn.steps
        self._step = number
        try:
            with transaction.atomic():
                if self.fence is not None:
                    self.fence.renew()
                results = step.run_tools() if step.run_tools is not None else []
                messages = [step.message, *results]
                rows = [_message(self.turn, number, index, message) for index, message in enumerate(messages)]
                Message.objects.bulk_create(rows)
                Turn.objects.filter(pk=self.turn.pk).update(
                    steps=number + 1,
                    model_calls=F("model_calls") + int(step.model_call),
                    prompt_tokens=F("prompt_tokens") + step.usage.prompt_tokens,
                    completion_tokens=F("completion_tokens") + step.usage.completion_tokens,
                    total_tokens=F("total_tokens") + step.usage.total_tokens,
                    status=Turn.Status.RUNNING if step.run_tools is not None else Turn.Status.COMPLETED,
                    updated_at=timezone.now(),
                )
                _touch_conversation(self.turn.conversation_id, added=len(rows))
        except IntegrityError as error:
            # The step's place is taken: another process stored this step of the turn.
            raise StepNotStored() from error
        if self.fence is not None:
            self.fence.confirm()
        self.turn.steps = number + 1
        return results

    # What the turn's tools see (`chat.agent.tools.TurnBinding`), called inside `record_step`.

    def record_change(
        self, *, action: str, number: int, before: TaskSnapshot | None, after: TaskSnapshot | None
    ) -> None:
        TaskChange.objects.create(
            turn=self.turn, step=self._step, number=number, action=action, before=before, after=after
        )

    def undo_last_turn(self) -> list[tuple[str, Todo]]:
        from chat.undo import undo_last_turn  # the undo service builds on this module

        return undo_last_turn(owner=self.owner, turn=self.turn, step=self._step)


def save_turn(*, conversation_id: uuid.UUID, messages: list[ChatMessage]) -> Turn:
    """Store a whole finished turn at once: a user message, then each assistant message
    starting a step with the tool results after it. For fixtures, benchmarks and imports."""
    with transaction.atomic():
        if not Conversation.objects.filter(pk=conversation_id).exists():
            raise ConversationNotFound()
        turn = Turn.objects.create(conversation_id=conversation_id, status=Turn.Status.COMPLETED)
        rows, step, index = [], 0, 0
        for position, message in enumerate(messages):
            if position > 0 and message["role"] in ("assistant", "user"):
                step, index = step + 1, 0
            elif position > 0:
                index += 1
            rows.append(_message(turn, step, index, message))
        Message.objects.bulk_create(rows)
        calls = sum(message["role"] == "assistant" for message in messages)
        Turn.objects.filter(pk=turn.pk).update(steps=step + 1 if messages else 0, model_calls=calls)
        _touch_conversation(conversation_id, added=len(rows))
    return turn
