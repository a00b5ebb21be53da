import uuid

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from chat.agent.model import ChatMessage
from chat.models import Conversation, Message
from config.errors import NotFound

HISTORY_FIELDS = ("role", "content", "tool_calls", "tool_call_id", "name")


class ConversationNotFound(NotFound):
    code = "conversation_not_found"
    default_detail = "Conversation not found."


def get_conversation(*, owner: User, conversation_id: uuid.UUID, with_messages: bool = False) -> Conversation:
    """The owner's conversation; another user's is reported as not found, never as forbidden."""
    conversations = Conversation.objects.filter(owner=owner)
    if with_messages:
        conversations = conversations.prefetch_related(
            Prefetch("messages", queryset=Message.objects.order_by("position"))
        )
    try:
        return conversations.get(pk=conversation_id)
    except Conversation.DoesNotExist:
        raise ConversationNotFound() from None


def conversations_for(*, owner: User) -> QuerySet[Conversation]:
    return Conversation.objects.filter(owner=owner).order_by("-updated_at", "-created_at")


def as_chat_message(row: dict) -> ChatMessage:
    """A stored message in OpenAI's chat format."""
    message: ChatMessage = {"role": row["role"], "content": row["content"]}
    if row["tool_calls"]:
        message["tool_calls"] = row["tool_calls"]
    if row["role"] == Message.Role.TOOL:
        message["tool_call_id"] = row["tool_call_id"]
        message["name"] = row["name"]
    return message


def history_for(*, conversation: Conversation, limit: int) -> list[ChatMessage]:
    """The last `limit` messages, oldest first, in one bounded query.

    The window never starts inside a tool-call group: tool results whose assistant
    message fell outside the window are dropped, since a model cannot take them alone.
    """
    rows = list(Message.objects.filter(conversation=conversation).order_by("-position").values(*HISTORY_FIELDS)[:limit])
    rows.reverse()
    start = 0
    while start < len(rows) and rows[start]["role"] == Message.Role.TOOL:
        start += 1
    return [as_chat_message(row) for row in rows[start:]]
