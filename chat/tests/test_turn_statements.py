"""The SQL statements of one chat turn: few, and as many in a long conversation as in a new one.

An offline "add" turn (a step that runs the tool, then the reply) counted with
`CaptureQueriesContext`, under the test's transaction (so each unit of work shows as a
savepoint and its release). On PostgreSQL a step's messages, the turn's counters and the
conversation's are one statement; SQLite has no data-modifying `WITH`, so it takes three.
Before: 23 statements on a new conversation and 26 after 100 turns (both databases had 26).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from chat.agent.messages import AssistantMessage, UserMessage
from chat.agent.offline import OfflineModel
from chat.models import Conversation, Turn
from chat.persistence import save_turn
from chat.tests.helpers import run_turn
from todos.models import Todo

pytestmark = pytest.mark.django_db

# (a new conversation, after 100 turns) per database.
STATEMENTS = {"postgresql": (14, 15), "sqlite": (21, 22)}


def statements_of_an_add_turn(user: User, conversation_id: object = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        run_turn(owner=user, message="add buy milk", conversation_id=conversation_id, model=OfflineModel())
    return len(queries.captured_queries)


def test_an_add_turn_takes_few_statements_however_long_the_conversation(user: User) -> None:
    fresh = statements_of_an_add_turn(user)
    conversation = Conversation.objects.get(owner=user)
    for number in range(100):
        save_turn(
            conversation_id=conversation.pk,
            messages=[UserMessage(f"add task {number}"), AssistantMessage(content=f"Added task {number}.")],
        )

    long = statements_of_an_add_turn(user, conversation.pk)

    assert (fresh, long) == STATEMENTS[connection.vendor]
    assert Todo.objects.filter(owner=user).count() == 2
    conversation.refresh_from_db()
    assert conversation.message_count == 4 + 200 + 4  # every message counted, one statement or three
    last = Turn.objects.filter(conversation=conversation).latest("pk")
    assert (last.steps, last.model_calls, last.status) == (3, 2, Turn.Status.COMPLETED)
