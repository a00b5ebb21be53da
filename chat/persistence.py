"""Storing a turn's messages: contiguously, in order, in one short transaction.

A turn's messages are collected in memory while the agent runs (no transaction is open during
model calls) and written here at the end, holding the conversation's row lock to take the next
block of positions: every turn's messages are stored contiguously and in order even when turns
of one conversation run at once.
"""

import uuid

from django.db import connection, transaction
from django.utils import timezone

from chat.agent.model import ChatMessage
from chat.models import Conversation, Message
from chat.selectors import ConversationNotFound


def save_turn(*, conversation_id: uuid.UUID, messages: list[ChatMessage]) -> None:
    """Append a turn's messages to the conversation, contiguously, in one transaction."""
    if not messages:
        return
    with transaction.atomic():
        start = _reserve_positions(conversation_id=conversation_id, count=len(messages))
        Message.objects.bulk_create(
            Message(
                conversation_id=conversation_id,
                position=start + offset,
                role=message["role"],
                content=message.get("content") or "",
                tool_calls=message.get("tool_calls") or None,
                tool_call_id=message.get("tool_call_id", ""),
                name=message.get("name", ""),
            )
            for offset, message in enumerate(messages)
        )


def _reserve_positions(*, conversation_id: uuid.UUID, count: int) -> int:
    """Take the next `count` positions of the conversation; returns the first.

    One UPDATE ... RETURNING (the same SQL on PostgreSQL and SQLite 3.35+) that also bumps
    the last activity. Its row lock is held until the caller's transaction commits, so
    concurrent turns of one conversation get consecutive, non-overlapping blocks.
    """
    table = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET message_count = message_count + %s, updated_at = %s "  # noqa: S608 - table name from the model
            "WHERE id = %s RETURNING message_count",
            [
                count,
                Conversation._meta.get_field("updated_at").get_db_prep_value(timezone.now(), connection),
                Conversation._meta.pk.get_db_prep_value(conversation_id, connection),
            ],
        )
        row = cursor.fetchone()
    if row is None:
        raise ConversationNotFound()
    message_count: int = row[0]
    return message_count - count
