import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import F, QuerySet, Sum, TextField, Value, Window
from django.db.models.functions import Cast, Coalesce, Length, RowNumber

from accounts.models import User
from chat.agent.messages import (
    AssistantMessage,
    ChatMessage,
    ToolCall,
    ToolFailure,
    ToolMessage,
    ToolResult,
    UserMessage,
    parse_result,
)
from chat.context_window import BYTES_PER_TOKEN, MESSAGE_OVERHEAD_TOKENS, fit_history
from chat.errors import INTERRUPTED, ConversationNotFound
from chat.models import Conversation, Message, Turn

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

HISTORY_FIELDS = ("role", "content", "tool_calls", "tool_call_id", "name", "state")
# The order of a conversation's messages: turns as they started, steps as they completed.
MESSAGE_ORDER = ("turn_id", "step", "index")
# The result the model reads for a stored tool call whose result never was (a turn cut short
# in a version that stored them apart): whether the tool ran is unknown.
INTERRUPTED_RESULT = ToolFailure(
    error="The turn was interrupted before this tool's result was stored; it may or may not have run.",
    code=INTERRUPTED,
)


class Positioned(TypedDict):
    """What `messages_in_order` annotates each message with."""

    position: int


if TYPE_CHECKING:
    PositionedMessage = WithAnnotations[Message, Positioned]


def messages_in_order() -> QuerySet["PositionedMessage"]:
    """Messages in conversation order, each with its `position` (0, 1, 2 ...) in its conversation."""
    order = [F(field).asc() for field in MESSAGE_ORDER]
    return Message.objects.order_by(*MESSAGE_ORDER).annotate(
        position=Window(RowNumber(), partition_by=[F("conversation_id")], order_by=order) - 1
    )


def get_conversation(*, owner: User, conversation_id: uuid.UUID) -> Conversation:
    """The owner's conversation; another user's is reported as not found, never as forbidden."""
    try:
        return Conversation.objects.get(owner=owner, pk=conversation_id)
    except Conversation.DoesNotExist:
        raise ConversationNotFound() from None


def conversation_messages(*, owner: User, conversation_id: uuid.UUID) -> QuerySet["PositionedMessage"]:
    """The messages of the owner's conversation in order, with their `position` (for paging:
    the positions are counted over the whole conversation, whichever rows are fetched)."""
    conversation = get_conversation(owner=owner, conversation_id=conversation_id)
    return messages_in_order().filter(conversation=conversation)


def conversations_for(*, owner: User) -> QuerySet[Conversation]:
    return Conversation.objects.filter(owner=owner).order_by("-updated_at", "-created_at")


def latest_conversation_id(*, owner: User) -> uuid.UUID | None:
    """The owner's most recently active conversation, or None."""
    latest: uuid.UUID | None = conversations_for(owner=owner).values_list("id", flat=True).first()
    return latest


def as_chat_message(row: Mapping[str, Any]) -> ChatMessage:
    """A stored message (its columns) typed: the column's OpenAI-format tool calls parsed into
    `ToolCall`s, a tool result's JSON into its `ToolResult`."""
    role, content = row["role"], row.get("content") or ""
    if role == Message.Role.TOOL:
        return ToolMessage(row.get("tool_call_id") or "", row.get("name") or "", _stored_result(content))
    if role == Message.Role.ASSISTANT:
        return AssistantMessage(content=content, tool_calls=stored_calls(row.get("tool_calls")), state=row.get("state"))
    return UserMessage(content)


def stored_calls(column: object) -> tuple[ToolCall, ...]:
    """The tool calls of a `Message.tool_calls` column (OpenAI's format), parsed."""
    calls = column if isinstance(column, list) else []
    return tuple(_stored_call(call) for call in calls if isinstance(call, dict))


def _stored_call(call: Mapping[str, Any]) -> ToolCall:
    function = call.get("function") or {}
    return ToolCall.parse(
        id=str(call.get("id", "")), name=str(function.get("name", "")), arguments_json=function.get("arguments") or ""
    )


def _stored_result(content: str) -> ToolResult:
    try:
        return parse_result(json.loads(content))
    except ValueError:
        return parse_result(None)


def repaired(messages: list[ChatMessage]) -> list[ChatMessage]:
    """`messages` as a model can take them: every tool call followed by its result.

    A tool result whose call is not just before it is dropped (the window cut its call off);
    a call left without a result (a turn cut short before results were stored with their
    call) gets `INTERRUPTED_RESULT`, so the model hears that the tool may not have run; a
    result stored without its tool's name takes the name from its call.
    """
    out: list[ChatMessage] = []
    pending: dict[str, str] = {}  # the open tool calls of the last assistant message: id -> name

    def close() -> None:
        out.extend(ToolMessage(call_id, name, INTERRUPTED_RESULT) for call_id, name in pending.items())
        pending.clear()

    for message in messages:
        if isinstance(message, ToolMessage):
            if message.call_id in pending:
                name = pending.pop(message.call_id)
                out.append(message if message.name else ToolMessage(message.call_id, name, message.result))
            continue
        close()
        out.append(message)
        if isinstance(message, AssistantMessage):
            pending.update((call.id, call.name) for call in message.tool_calls)
    close()
    return out


# The history read stops at the message that fills the budget, by the estimate below (the
# one of `chat.context_window` computed in SQL: characters, not bytes, so it never
# over-counts and the history is never cut short; `fit_history` then cuts it exactly).
HISTORY_ROWS_MAX = 8192


def history_for(*, conversation: Conversation, budget: int, before: Turn | None = None) -> list[ChatMessage]:
    """The newest messages of `conversation` (of the turns started before `before`, when given)
    that fit in `budget` tokens, oldest first, `repaired` and cut by `fit_history`: the window
    starts at a turn (or at least a group) boundary and no tool call goes without its result.

    One query, however long the conversation: a running sum of each message's estimated
    tokens, newest first, keeps the messages read before the budget is covered."""
    messages = Message.objects.filter(conversation=conversation)
    if before is not None:
        messages = messages.filter(turn_id__lt=before.pk)
    newest_first = [F(field).desc() for field in MESSAGE_ORDER]
    text = (
        Length("content")
        + Length(Coalesce(Cast("tool_calls", TextField()), Value("")))
        + Length("tool_call_id")
        + Length("name")
    )
    tokens = Value(MESSAGE_OVERHEAD_TOKENS) + text / Value(BYTES_PER_TOKEN)
    rows = list(
        messages.annotate(read_before=Window(Sum(tokens), order_by=newest_first) - tokens)
        .filter(read_before__lt=budget)
        .order_by(*newest_first)
        .values(*HISTORY_FIELDS, *MESSAGE_ORDER)[:HISTORY_ROWS_MAX]
    )
    rows.reverse()
    return fit_history(history=repaired([as_chat_message(row) for row in rows]), fixed_tokens=0, budget=budget)


def turn_messages(turn: Turn) -> list[ChatMessage]:
    """The messages `turn` has stored, in order."""
    rows = Message.objects.filter(turn=turn).order_by(*MESSAGE_ORDER).values(*HISTORY_FIELDS)
    return [as_chat_message(row) for row in rows]
