"""The offline agent with more tasks than one `list_tasks` page: it says how many more there
are and shows them on "show more", and still finds a task by its words, its number or as the
last one added."""

from collections.abc import Mapping

import pytest

from accounts.models import User
from chat.agent.messages import ChatMessage
from chat.agent.runner import AgentTurn
from chat.tests.helpers import say_offline
from todos.models import Todo
from todos.tests.factories import TodoFactory, bulk_tasks

pytestmark = pytest.mark.django_db

TASKS = 5000
# Every tenth task is done; these are not.
NAMED = {
    1234: "Call the dentist about the crown",
    3003: "Buy groceries for the party",
    4321: "Renew the passport",
    4999: "Water the ferns",
}


class Conversation:
    """Turns of the offline agent, each seeing the ones before (as the stored history)."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.history: list[ChatMessage] = []

    def say(self, message: str) -> AgentTurn:
        turn = say_offline(self.user, message, self.history)
        self.history += turn.messages
        return turn


def listed(turn: AgentTurn) -> list[int]:
    """The task numbers a list reply shows, in order."""
    return [int(line.split(".")[0]) for line in turn.reply.splitlines() if line[:1].isdigit()]


def calls(turn: AgentTurn) -> list[tuple[str, Mapping]]:
    return [(run.tool_name, run.arguments) for run in turn.tool_runs]


@pytest.fixture
def chat(user: User) -> Conversation:
    titles = [NAMED.get(number, f"Routine chore {number}") for number in range(1, TASKS + 1)]
    bulk_tasks(owner=user, titles=titles, completed=frozenset(range(10, TASKS + 1, 10)))
    return Conversation(user)


def test_a_list_says_how_many_more_and_show_more_shows_the_next_page(chat: Conversation) -> None:
    first = chat.say("show my tasks")
    second = chat.say("show more")
    third = chat.say("next page")

    assert listed(first) == list(range(1, 51))
    assert first.reply.startswith("Your tasks (1 to 50 of 5,000):")
    assert first.reply.endswith('...and 4,950 more; say "show more" to see the next 50.')
    assert listed(second) == list(range(51, 101))
    assert calls(second) == [("list_tasks", {"status": "all", "offset": 50})]
    assert second.reply.endswith('...and 4,900 more; say "show more" to see the next 50.')
    assert listed(third) == list(range(101, 151))


def test_show_more_goes_on_with_the_status_last_shown_to_its_end(chat: Conversation) -> None:
    chat.say("what have I completed?")
    pages = [chat.say("more") for _ in range(9)]
    after_the_end = chat.say("show more")

    assert listed(pages[0]) == list(range(510, 1001, 10))
    assert calls(pages[0]) == [("list_tasks", {"status": "completed", "offset": 50})]
    assert listed(pages[-1]) == list(range(4510, 5001, 10))
    assert "more" not in pages[-1].reply.splitlines()[-1]  # the last page says nothing of more
    assert after_the_end.tool_runs == []
    assert after_the_end.reply.startswith("That was the whole list")


def test_an_ordinal_means_the_page_last_shown(chat: Conversation) -> None:
    chat.say("show my tasks")
    chat.say("show more")

    turn = chat.say("delete the third one on that list")

    assert calls(turn)[-1] == ("delete_task", {"task_id": 53})
    assert not Todo.objects.filter(owner=chat.user, number=53).exists()


def test_counting_uses_the_totals_not_the_page(chat: Conversation) -> None:
    turn = chat.say("how many tasks do I have?")
    assert turn.reply == "You have 5,000 tasks: 4,500 to do and 500 done."


@pytest.mark.parametrize(
    ("message", "number"),
    [
        ("mark the dentist task as done", 1234),
        ("complete the grocery one", 3003),
        ("done with the passport", 4321),
        ("the ferns are watered", 4999),
    ],
)
def test_a_task_named_by_its_words_is_found_beyond_the_first_page(
    chat: Conversation, message: str, number: int
) -> None:
    turn = chat.say(message)

    assert calls(turn)[-1] == ("complete_task", {"task_id": number})
    assert Todo.objects.get(owner=chat.user, number=number).completed
    assert Todo.objects.filter(owner=chat.user, completed=True).count() == 501


def test_a_word_the_title_lacks_falls_back_to_each_word_alone(chat: Conversation) -> None:
    turn = chat.say("rename the dentist appointment thing to Call the dentist")

    assert calls(turn)[-1] == ("update_task", {"task_id": 1234, "title": "Call the dentist", "description": None})
    assert Todo.objects.get(owner=chat.user, number=1234).title == "Call the dentist"


def test_equal_matches_beyond_the_first_page_are_a_question(chat: Conversation) -> None:
    TodoFactory.create(owner=chat.user, title="Call the dentist about the bill")  # task 5001

    turn = chat.say("delete the dentist task")

    assert turn.reply.startswith("Which one do you mean: task 1234")
    assert "task 5001" in turn.reply
    assert Todo.objects.filter(owner=chat.user).count() == TASKS + 1


def test_a_question_about_a_task_beyond_the_first_page(chat: Conversation) -> None:
    turn = chat.say("is task 4321 done?")
    assert turn.reply == 'No, task 4321 "Renew the passport" is still open.'


def test_the_last_one_added_is_the_last_of_a_long_list(chat: Conversation) -> None:
    turn = chat.say("what's the last one I added?")
    assert turn.reply == 'Task 5000 is "Routine chore 5000", done. It has no note.'


def test_a_short_list_reads_as_before(user: User) -> None:
    TodoFactory.create(owner=user, title="Buy milk")
    turn = Conversation(user).say("show my tasks")
    more = say_offline(user, "show more", turn.messages)

    assert turn.reply == "Your tasks:\n1. Buy milk"
    assert calls(turn) == [("list_tasks", {"status": "all"})]
    assert more.reply.startswith("That was the whole list") and more.tool_runs == []


def test_the_last_one_of_a_long_list_shown_nowhere_is_its_last_task(chat: Conversation) -> None:
    turn = chat.say("delete the last one")

    assert calls(turn)[-1] == ("delete_task", {"task_id": 5000})
    assert not Todo.objects.filter(owner=chat.user, number=5000).exists()
