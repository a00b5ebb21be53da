import json
import uuid
from typing import Any

from django.db.models import F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber

from accounts.models import User
from chat.agent.model import ChatMessage
from chat.models import Conversation, Message, Turn
from config.errors import NotFound

HISTORY_FIELDS = ("role", "content", "tool_calls", "tool_call_id", "name")
# The order of a conversation's messages: turns as they started, steps as they completed.
MESSAGE_ORDER = ("turn_id", "step", "index")
# The result the model reads for a stored tool call whose result never was (a turn cut short
# in a version that stored them apart): whether the tool ran is unknown.
INTERRUPTED_RESULT = {
    "success": False,
    "error": "The turn was interrupted before this tool's result was stored; it may or may not have run.",
    "code": "interrupted",
}


class ConversationNotFound(NotFound):
    code = "conversation_not_found"
    default_detail = "Conversation not found."


def messages_in_order() -> QuerySet[Message]:
    """Messages in conversation order, each with its `position` (0, 1, 2 ...) in its conversation."""
    order = [F(field).asc() for field in MESSAGE_ORDER]
    return Message.objects.order_by(*MESSAGE_ORDER).annotate(
        position=Window(RowNumber(), partition_by=[F("conversation_id")], order_by=order) - 1
    )


def get_conversation(*, owner: User, conversation_id: uuid.UUID, with_messages: bool = False) -> Conversation:
    """The owner's conversation; another user's is reported as not found, never as forbidden."""
    conversations = Conversation.objects.filter(owner=owner)
    if with_messages:
        conversations = conversations.prefetch_related(Prefetch("messages", queryset=messages_in_order()))
    try:
        return conversations.get(pk=conversation_id)
    except Conversation.DoesNotExist:
        raise ConversationNotFound() from None


def conversations_for(*, owner: User) -> QuerySet[Conversation]:
    return Conversation.objects.filter(owner=owner).order_by("-updated_at", "-created_at")


def as_chat_message(row: dict[str, Any]) -> ChatMessage:
    """A stored message in OpenAI's chat format."""
    message: ChatMessage = {"role": row["role"], "content": row["content"]}
    if row["tool_calls"]:
        message["tool_calls"] = row["tool_calls"]
    if row["role"] == Message.Role.TOOL:
        message["tool_call_id"] = row["tool_call_id"]
        message["name"] = row["name"]
    return message


def repaired(messages: list[ChatMessage]) -> list[ChatMessage]:
    """`messages` as a model can take them: every tool call followed by its result.

    A tool result whose call is not just before it is dropped (the window cut its call off);
    a call left without a result (a turn cut short before results were stored with their
    call) gets `INTERRUPTED_RESULT`, so the model hears that the tool may not have run.
    """
    out: list[ChatMessage] = []
    pending: dict[str, str] = {}  # the open tool calls of the last assistant message: id -> name

    def close() -> None:
        for call_id, name in pending.items():
            result = json.dumps(INTERRUPTED_RESULT)
            out.append({"role": "tool", "tool_call_id": call_id, "name": name, "content": result})
        pending.clear()

    for message in messages:
        if message["role"] == Message.Role.TOOL:
            call_id = message.get("tool_call_id", "")
            if call_id in pending:
                del pending[call_id]
                out.append(message)
            continue
        close()
        out.append(message)
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            pending[str(call.get("id", ""))] = str(function.get("name", ""))
    close()
    return out


def history_for(*, conversation: Conversation, limit: int, before: Turn | None = None) -> list[ChatMessage]:
    """The last `limit` messages (of the turns started before `before`, when given), oldest
    first, in one bounded query, `repaired`: the window never starts inside a tool-call group
    and no tool call goes without its result."""
    messages = Message.objects.filter(conversation=conversation)
    if before is not None:
        messages = messages.filter(turn_id__lt=before.pk)
    newest_first = [f"-{field}" for field in MESSAGE_ORDER]
    rows = list(messages.order_by(*newest_first).values(*HISTORY_FIELDS)[:limit])
    rows.reverse()
    return repaired([as_chat_message(row) for row in rows])


def turn_messages(turn: Turn) -> list[ChatMessage]:
    """The messages `turn` has stored, in order."""
    rows = Message.objects.filter(turn=turn).order_by(*MESSAGE_ORDER).values(*HISTORY_FIELDS)
    return [as_chat_message(row) for row in rows]
