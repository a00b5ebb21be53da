"""Migration 0003 carries stored conversations over: messages ordered by `position` become turns
(a user message starts one) of steps (an assistant message starts one; tool results follow it)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("chat", "0002_idempotentrequest_lease_renewed_at")]
AFTER = [("chat", "0003_turns")]


def migrate(targets: list[tuple[str, str]]) -> StateApps:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_messages_are_carried_over_into_turns_and_steps() -> None:
    old = migrate(BEFORE)
    user = old.get_model("accounts", "User").objects.create(username="old-timer")
    Conversation = old.get_model("chat", "Conversation")
    conversation = Conversation.objects.create(owner_id=user.pk, title="Groceries", message_count=7)
    rows = [
        ("user", "add milk", None, ""),
        ("assistant", "", [{"id": "c1", "type": "function", "function": {"name": "add_task", "arguments": "{}"}}], ""),
        ("tool", "{}", None, "c1"),
        ("assistant", "Added.", None, ""),
        ("user", "thanks", None, ""),
        ("assistant", "You're welcome.", None, ""),
        ("user", "cut short", None, ""),
    ]
    Message = old.get_model("chat", "Message")
    for position, (role, content, calls, call_id) in reversed(list(enumerate(rows))):
        Message.objects.create(
            conversation_id=conversation.pk,
            position=position,
            role=role,
            content=content,
            tool_calls=calls,
            tool_call_id=call_id,
        )

    try:
        new = migrate(AFTER)
        messages = new.get_model("chat", "Message").objects.filter(conversation_id=conversation.pk)
        placed = list(messages.order_by("turn_id", "step", "index").values_list("turn_id", "step", "index", "content"))
        turns = sorted({turn for turn, *_ in placed})
        assert [(turns.index(turn), step, index, content) for turn, step, index, content in placed] == [
            (0, 0, 0, "add milk"),
            (0, 1, 0, ""),
            (0, 1, 1, "{}"),
            (0, 2, 0, "Added."),
            (1, 0, 0, "thanks"),
            (1, 1, 0, "You're welcome."),
            (2, 0, 0, "cut short"),
        ]
        Turn = new.get_model("chat", "Turn")
        assert [(t.steps, t.model_calls, t.status) for t in Turn.objects.order_by("id")] == [
            (3, 2, "completed"),
            (2, 1, "completed"),
            (1, 0, "completed"),
        ]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
