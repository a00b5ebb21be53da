"""Factories for conversations and messages.

Messages belong to turns, so they are appended the way the app stores them: `add_turn` goes
through `chat.persistence.save_turn` (one turn), and `MessageFactory` stores one message as a
turn of its own, keeping the conversation's `message_count` in step.
"""

import json
from typing import Any

import factory

from accounts.tests.factories import UserFactory
from chat.models import Conversation, Message
from chat.persistence import save_turn
from chat.tests.helpers import typed, typed_all


class ConversationFactory(factory.django.DjangoModelFactory[Conversation]):
    class Meta:
        model = Conversation

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Conversation {n}")


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    """One message, stored as a turn of its own after the conversation's last, as `save_turn`
    stores turns (so `message_count` and `updated_at` move)."""

    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    role = Message.Role.USER
    content = factory.Sequence(lambda n: f"Message {n}")

    @classmethod
    def _create(cls, model_class: type[Message], *, conversation: Conversation, **fields: Any) -> Message:
        message = {"role": fields.pop("role"), "content": fields.pop("content"), **fields}
        turn = save_turn(conversation_id=conversation.pk, messages=[typed(message)])
        conversation.refresh_from_db(fields=["message_count", "updated_at"])
        return model_class.objects.get(turn=turn)


def add_turn(conversation: Conversation, messages: list[dict[str, Any]]) -> Conversation:
    """Append messages (OpenAI chat format) through `save_turn`; returns the refreshed conversation."""
    save_turn(conversation_id=conversation.pk, messages=typed_all(messages))
    conversation.refresh_from_db()
    return conversation


def tool_call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One tool call as an assistant message stores it (OpenAI's format)."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def tool_turn(
    user_message: str, *, name: str, arguments: dict[str, Any], result: dict[str, Any], reply: str, call_id: str = "c1"
) -> list[dict[str, Any]]:
    """A whole turn with one tool call: user, assistant (tool call), tool result, assistant reply."""
    return [
        {"role": "user", "content": user_message},
        {"role": "assistant", "content": "", "tool_calls": [tool_call(call_id, name, arguments)]},
        {"role": "tool", "tool_call_id": call_id, "name": name, "content": json.dumps(result)},
        {"role": "assistant", "content": reply},
    ]


def chat_turn(user_message: str, reply: str) -> list[dict[str, Any]]:
    """A turn without tools: the user's message and the assistant's reply."""
    return [{"role": "user", "content": user_message}, {"role": "assistant", "content": reply}]


def add_task_turns(conversation: Conversation, titles: list[str], *, first_id: int = 1) -> Conversation:
    """Store one whole turn per title, each adding it as a task (ids from `first_id`): "add
    <title in lower case>", the `add_task` call, its result, "Added <title in lower case>."."""
    for task_id, title in enumerate(titles, start=first_id):
        add_turn(
            conversation,
            tool_turn(
                f"add {title.lower()}",
                name="add_task",
                arguments={"title": title},
                result={"success": True, "task": {"id": task_id, "title": title}},
                reply=f"Added {title.lower()}.",
                call_id=f"call_{task_id}",
            ),
        )
    return conversation
