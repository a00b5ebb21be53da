"""Factories for conversations and messages.

A message's `position` and its conversation's `message_count` must agree (the count is the
next free position), so messages are appended the way the app appends them: `add_turn`
goes through `chat.persistence.save_turn`, and `MessageFactory` takes the next position under
the conversation's row lock unless a position is given.
"""

import json
from typing import Any

import factory
from django.db import transaction
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.agent.model import ChatMessage
from chat.models import Conversation, Message
from chat.persistence import save_turn


class ConversationFactory(factory.django.DjangoModelFactory[Conversation]):
    class Meta:
        model = Conversation

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Conversation {n}")


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    """A message at the conversation's next position, or at an explicit `position`.

    Either way the conversation's `message_count` is raised to cover it and its
    `updated_at` moves, as a stored turn would do.
    """

    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    role = Message.Role.USER
    content = factory.Sequence(lambda n: f"Message {n}")
    position = None

    @classmethod
    def _create(
        cls, model_class: type[Message], *, conversation: Conversation, position: int | None = None, **fields: Any
    ) -> Message:
        with transaction.atomic():
            locked = Conversation.objects.select_for_update().only("message_count").get(pk=conversation.pk)
            if position is None:
                position = locked.message_count
            message = model_class.objects.create(conversation=conversation, position=position, **fields)
            Conversation.objects.filter(pk=conversation.pk).update(
                message_count=Greatest("message_count", position + 1), updated_at=timezone.now()
            )
        conversation.refresh_from_db(fields=["message_count", "updated_at"])
        return message


def add_turn(conversation: Conversation, messages: list[ChatMessage]) -> Conversation:
    """Append messages (OpenAI chat format) through `save_turn`; returns the refreshed conversation."""
    save_turn(conversation_id=conversation.pk, messages=messages)
    conversation.refresh_from_db()
    return conversation


def tool_call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One tool call as an assistant message stores it (OpenAI's format)."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def tool_turn(
    user_message: str, *, name: str, arguments: dict[str, Any], result: dict[str, Any], reply: str, call_id: str = "c1"
) -> list[ChatMessage]:
    """A whole turn with one tool call: user, assistant (tool call), tool result, assistant reply."""
    return [
        {"role": "user", "content": user_message},
        {"role": "assistant", "content": "", "tool_calls": [tool_call(call_id, name, arguments)]},
        {"role": "tool", "tool_call_id": call_id, "name": name, "content": json.dumps(result)},
        {"role": "assistant", "content": reply},
    ]


def chat_turn(user_message: str, reply: str) -> list[ChatMessage]:
    """A turn without tools: the user's message and the assistant's reply."""
    return [{"role": "user", "content": user_message}, {"role": "assistant", "content": reply}]
