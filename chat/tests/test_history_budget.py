"""The history a turn replays is the newest that fits a token budget, read in bounded queries
(`chat.selectors.history_for`)."""

import json

import pytest
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from chat.context_window import estimate_tokens
from chat.models import Conversation
from chat.persistence import start_turn
from chat.selectors import history_for
from chat.tests.factories import ConversationFactory, add_task_turns, add_turn, chat_turn, tool_turn
from chat.tests.helpers import as_dicts, typed_all
from chat.tests.scripted_openai import assert_valid_history

pytestmark = pytest.mark.django_db


def long_conversation(user: User, turns: int) -> Conversation:
    """Turns "add task 0", "add task 1" ... each adding that task."""
    titles = [f"Task {number}" for number in range(turns)]
    return add_task_turns(ConversationFactory.create(owner=user), titles, first_id=0)


def test_the_newest_whole_turns_within_the_budget(user: User) -> None:
    conversation = long_conversation(user, 30)

    history = as_dicts(history_for(conversation=conversation, budget=300))

    assert 0 < estimate_tokens(typed_all(history)) <= 300
    assert history[0] == {"role": "user", "content": f"add task {30 - len(history) // 4}"}
    assert history[-1] == {"role": "assistant", "content": "Added task 29."}
    assert len(history) % 4 == 0  # whole turns
    assert_valid_history(history)


def test_a_budget_larger_than_the_conversation_gives_all_of_it(user: User) -> None:
    conversation = long_conversation(user, 5)

    history = as_dicts(history_for(conversation=conversation, budget=1_000_000))

    assert len(history) == 20
    assert history[0] == {"role": "user", "content": "add task 0"}


def test_a_long_conversation_is_read_in_a_few_bounded_queries(
    user: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    conversation = long_conversation(user, 600)  # 2,400 messages

    with django_assert_max_num_queries(1):
        short = as_dicts(history_for(conversation=conversation, budget=500))
    with django_assert_max_num_queries(6):  # 64, 128, 256, 512, 1024, 1024 rows
        everything = as_dicts(history_for(conversation=conversation, budget=10_000_000))

    assert 0 < len(short) < 64
    assert len(everything) == 2400


def test_a_huge_old_tool_result_is_left_out_with_everything_before_it(user: User) -> None:
    """A list of 5,000 tasks stored before results were paged: the turns after it still go."""
    conversation = ConversationFactory.create(owner=user)
    tasks = [{"id": number, "title": f"Task {number}", "description": "", "completed": False} for number in range(5000)]
    add_turn(conversation, chat_turn("hello", "Hi!"))
    add_turn(
        conversation,
        tool_turn(
            "show my tasks",
            name="list_tasks",
            arguments={"status": "all"},
            result={"success": True, "tasks": tasks},
            reply="Your tasks: ...",
        ),
    )
    add_turn(conversation, chat_turn("thanks", "You're welcome."))

    history = as_dicts(history_for(conversation=conversation, budget=16000))

    assert len(json.dumps(tasks)) > 3 * 16000
    assert history == chat_turn("thanks", "You're welcome.")


def test_only_turns_started_before_the_given_one(user: User) -> None:
    conversation = ConversationFactory.create(owner=user)
    add_turn(conversation, chat_turn("one", "first reply"))
    current = start_turn(owner=user, message="two", conversation_id=conversation.pk)
    add_turn(conversation, chat_turn("three", "a later turn's reply"))

    earlier = as_dicts(history_for(conversation=conversation, budget=16000, before=current))
    assert earlier == chat_turn("one", "first reply")
