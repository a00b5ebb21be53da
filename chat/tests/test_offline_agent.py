"""The offline agent, driven through the real tool-calling loop against the database."""

import uuid

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from chat.agent.messages import AssistantMessage, ToolFailure, ToolMessage, Usage
from chat.agent.offline import OfflineModel
from chat.agent.runner import AgentTurn
from chat.tests.helpers import say_offline
from todos.models import Todo
from todos.tests.factories import TodoFactory

pytestmark = pytest.mark.django_db


say = say_offline


def tool_names(turn: AgentTurn) -> list[str]:
    return [run.tool_name for run in turn.tool_runs]


def titles(user: User) -> dict[int, str]:
    return dict(Todo.objects.filter(owner=user).values_list("number", "title"))


def task(user: User, number: int) -> Todo:
    return Todo.objects.get(owner=user, number=number)


@pytest.fixture
def errands(user: User) -> list[Todo]:
    """1 Buy groceries, 2 Pay bills (completed), 3 Team meeting, 4 Buy milk."""
    return [
        TodoFactory.create(owner=user, title="Buy groceries"),
        TodoFactory.create(owner=user, title="Pay bills", completed=True),
        TodoFactory.create(owner=user, title="Team meeting", description="Room 4"),
        TodoFactory.create(owner=user, title="Buy milk"),
    ]


@pytest.mark.parametrize(
    ("message", "title", "description"),
    [
        ("add a task to buy groceries", "Buy groceries", ""),
        ("Add buy milk", "Buy milk", ""),
        ("I need to remember to pay bills", "Pay bills", ""),
        ("remind me to call mom", "Call mom", ""),
        ("New task: water plants", "Water plants", ""),
        ('create a task called "Finish report"', "Finish report", ""),
        ('add "Call mom tonight"', "Call mom tonight", ""),
        ("Please add buy milk to my list!", "Buy milk", ""),
        ("can you add a task to book flights?", "Book flights", ""),
        ("add task buy groceries with description milk and eggs", "Buy groceries", "milk and eggs"),
        ("add a task to buy groceries - description: milk and eggs", "Buy groceries", "milk and eggs"),
        ("add buy groceries (notes: milk and eggs)", "Buy groceries", "milk and eggs"),
        ("add 'Renew passport' with notes: bring the old one", "Renew passport", "bring the old one"),
    ],
)
def test_add_a_task(user: User, message: str, title: str, description: str) -> None:
    turn = say(user, message)

    added = task(user, 1)
    assert (added.title, added.description, added.completed) == (title, description, False)
    assert tool_names(turn) == ["add_task"]
    assert f'Added task 1: "{title}"' in turn.reply


def test_add_numbers_after_the_users_existing_tasks(user: User, errands: list[Todo]) -> None:
    turn = say(user, "add call the plumber")

    assert titles(user)[5] == "Call the plumber"
    assert 'task 5: "Call the plumber"' in turn.reply


@pytest.mark.parametrize(
    ("message", "shown", "hidden"),
    [
        ("show me all my tasks", ["1. Buy groceries", "2. Pay bills (done)", "3. Team meeting"], []),
        ("list my tasks", ["1. Buy groceries", "2. Pay bills (done)"], []),
        ("What's on my list?", ["1. Buy groceries", "2. Pay bills (done)"], []),
        ("tasks", ["1. Buy groceries", "2. Pay bills (done)"], []),
        ("what's pending?", ["1. Buy groceries", "3. Team meeting", "4. Buy milk"], ["Pay bills"]),
        ("What’s left?", ["1. Buy groceries", "4. Buy milk"], ["Pay bills"]),
        ("what do I still have to do", ["1. Buy groceries"], ["Pay bills"]),
        ("what have I completed?", ["2. Pay bills"], ["Buy groceries", "Team meeting"]),
        ("show completed tasks", ["2. Pay bills"], ["Buy groceries", "Buy milk"]),
    ],
)
def test_list_tasks(user: User, errands: list[Todo], message: str, shown: list[str], hidden: list[str]) -> None:
    turn = say(user, message)

    assert tool_names(turn) == ["list_tasks"]
    for line in shown:
        assert line in turn.reply
    for title in hidden:
        assert title not in turn.reply


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("show my tasks", "You have no tasks yet"),
        ("what's pending?", "You have no pending tasks."),
        ("what have I completed?", "You have no completed tasks yet."),
    ],
)
def test_an_empty_list_gets_a_friendly_reply(user: User, message: str, expected: str) -> None:
    assert expected in say(user, message).reply


@pytest.mark.parametrize(
    "message",
    [
        "mark task 3 as complete",
        "task 3 is done",
        "complete #3",
        "I finished task 3",
        "Can you mark 3 done please?",
        "check off task 3",
        "task 3 done",
    ],
)
def test_complete_by_number(user: User, errands: list[Todo], message: str) -> None:
    turn = say(user, message)

    assert task(user, 3).completed
    assert not task(user, 1).completed and not task(user, 4).completed
    assert 'Marked task 3 "Team meeting" as completed.' in turn.reply


@pytest.mark.parametrize("message", ["delete task 3", "remove task 3", "please get rid of task #3", "delete 3"])
def test_delete_by_number(user: User, errands: list[Todo], message: str) -> None:
    turn = say(user, message)

    assert titles(user) == {1: "Buy groceries", 2: "Pay bills", 4: "Buy milk"}
    assert 'Deleted task 3 "Team meeting".' in turn.reply


def test_delete_several_numbers_at_once(user: User, errands: list[Todo]) -> None:
    turn = say(user, "delete tasks 1 and 4")

    assert titles(user) == {2: "Pay bills", 3: "Team meeting"}
    assert "Deleted task 1" in turn.reply and "Deleted task 4" in turn.reply


@pytest.mark.parametrize(
    ("message", "title", "description"),
    [
        ("change task 3 to 'Call mom tonight'", "Call mom tonight", "Room 4"),
        ("rename task 3 to Standup", "Standup", "Room 4"),
        ("change the title of task 3 to Standup", "Standup", "Room 4"),
        ("edit task 3: Standup", "Standup", "Room 4"),
        ("update task 3 description to bring ID", "Team meeting", "bring ID"),
        ("set the description of task 3 to bring the slides", "Team meeting", "bring the slides"),
        ("clear the description of task 3", "Team meeting", ""),
    ],
)
def test_update_by_number(user: User, errands: list[Todo], message: str, title: str, description: str) -> None:
    turn = say(user, message)

    updated = task(user, 3)
    assert (updated.title, updated.description) == (title, description)
    assert f'Updated task 3: "{title}"' in turn.reply
    assert titles(user)[1] == "Buy groceries"


@pytest.mark.parametrize(
    ("message", "action", "number"),
    [
        ("mark the groceries task as done", "complete_task", 1),
        ("I bought the groceries", "complete_task", 1),
        ("done with pay bills", "complete_task", 2),
        ("delete the meeting task", "delete_task", 3),
        ("remove team meeting from my list", "delete_task", 3),
        ("rename the milk task to Buy oat milk", "update_task", 4),
    ],
)
def test_act_on_a_task_named_by_its_words(
    user: User, errands: list[Todo], message: str, action: str, number: int
) -> None:
    turn = say(user, message)

    assert tool_names(turn) == ["list_tasks", action]
    assert turn.tool_runs[0].arguments == {"status": "all"}
    assert turn.tool_runs[1].arguments["task_id"] == number
    assert f"task {number}" in turn.reply
    if action == "complete_task":
        assert task(user, number).completed
    elif action == "delete_task":
        assert number not in titles(user)
    else:
        assert task(user, number).title == "Buy oat milk"


@pytest.fixture
def meetings(user: User) -> list[Todo]:
    """1 Team meeting, 2 Buy milk, 3 Meeting notes."""
    return [
        TodoFactory.create(owner=user, title="Team meeting"),
        TodoFactory.create(owner=user, title="Buy milk"),
        TodoFactory.create(owner=user, title="Meeting notes"),
    ]


@pytest.mark.parametrize(
    "message", ["delete the meeting task", "mark the meeting as done", "rename the meeting task to Standup"]
)
def test_ambiguous_words_ask_which_task_and_change_nothing(user: User, meetings: list[Todo], message: str) -> None:
    turn = say(user, message)

    assert tool_names(turn) == ["list_tasks"]
    assert titles(user) == {1: "Team meeting", 2: "Buy milk", 3: "Meeting notes"}
    assert not Todo.objects.filter(completed=True).exists()
    assert 'task 1 "Team meeting"' in turn.reply and 'task 3 "Meeting notes"' in turn.reply
    assert "Buy milk" not in turn.reply


@pytest.mark.parametrize("answer", ["3", "task 3", "#3", "the second one", "the last one", "the notes one"])
def test_an_answer_to_which_one_applies_the_pending_action(user: User, meetings: list[Todo], answer: str) -> None:
    question = say(user, "delete the meeting task")

    turn = say(user, answer, history=question.messages)

    assert titles(user) == {1: "Team meeting", 2: "Buy milk"}
    assert 'Deleted task 3 "Meeting notes".' in turn.reply


def test_an_answer_to_which_one_keeps_the_new_title(user: User, meetings: list[Todo]) -> None:
    question = say(user, "rename the meeting task to Standup")

    turn = say(user, "the first one", history=question.messages)

    assert titles(user) == {1: "Standup", 2: "Buy milk", 3: "Meeting notes"}
    assert 'Updated task 1: "Standup"' in turn.reply


def test_which_one_can_be_declined_or_ignored(user: User, meetings: list[Todo]) -> None:
    question = say(user, "delete the meeting task")

    declined = say(user, "never mind", history=question.messages)
    listed = say(user, "show my tasks", history=[*question.messages, *declined.messages])

    assert declined.tool_runs == []
    assert tool_names(listed) == ["list_tasks"]
    assert titles(user) == {1: "Team meeting", 2: "Buy milk", 3: "Meeting notes"}


@pytest.mark.parametrize("message", ["delete task 9", "mark task 9 as complete", "rename task 9 to Anything"])
def test_an_unknown_number_is_reported(user: User, errands: list[Todo], message: str) -> None:
    turn = say(user, message)

    assert "couldn't find task 9" in turn.reply
    assert "show my tasks" in turn.reply
    assert len(titles(user)) == 4 and task(user, 1).title == "Buy groceries"


@pytest.mark.parametrize("message", ["delete the dentist task", "done with the dentist appointment"])
def test_words_that_match_no_task_are_reported(user: User, errands: list[Todo], message: str) -> None:
    turn = say(user, message)

    assert tool_names(turn) == ["list_tasks"]
    assert "couldn't find a task matching" in turn.reply and "dentist" in turn.reply
    assert "show my tasks" in turn.reply
    assert len(titles(user)) == 4 and not task(user, 1).completed


@pytest.mark.parametrize("message", ["hi", "Hello there!", "good morning", "help", "what can you do?"])
def test_greetings_and_help_get_a_direct_reply_with_examples(user: User, message: str) -> None:
    turn = say(user, message)

    assert turn.tool_runs == []
    assert "add buy milk" in turn.reply


@pytest.mark.parametrize("message", ["thanks!", "thank you so much", "ty!!", "cheers"])
def test_thanks_gets_a_short_reply_without_the_help_text(user: User, message: str) -> None:
    turn = say(user, message)

    assert turn.tool_runs == []
    assert "welcome" in turn.reply and "add buy milk" not in turn.reply


@pytest.mark.parametrize(
    "message",
    ["asdfgh", "the weather is nice", "???", "", "2", "delete it", "add", "rename task to", "\U0001f642", "#"],
)
def test_anything_else_gets_a_reply_and_no_change(user: User, errands: list[Todo], message: str) -> None:
    turn = say(user, message)

    assert turn.reply
    assert turn.tool_runs == []
    assert len(titles(user)) == 4


def test_a_tool_error_is_passed_on(user: User) -> None:
    turn = say(user, f"add {'x' * 250}")

    assert "Sorry, I couldn't do that" in turn.reply and "200 characters" in turn.reply
    assert not Todo.objects.exists()


def test_only_the_requesting_users_tasks_are_touched(user: User) -> None:
    other = UserFactory.create()
    TodoFactory.create(owner=other, title="Someone else's task")

    not_found = say(user, "delete task 1")
    TodoFactory.create(owner=user, title="My own task")
    deleted = say(user, "delete task 1")

    assert "couldn't find task 1" in not_found.reply
    assert 'Deleted task 1 "My own task".' in deleted.reply
    assert titles(other) == {1: "Someone else's task"}
    assert titles(user) == {}


def test_usage_is_zero_and_every_tool_call_has_its_result(user: User, errands: list[Todo]) -> None:
    first = say(user, "delete the meeting task")
    second = say(user, "add call mom", history=first.messages)

    messages = [*first.messages, *second.messages]
    call_ids = [call.id for message in messages if isinstance(message, AssistantMessage) for call in message.tool_calls]
    result_ids = [message.call_id for message in messages if isinstance(message, ToolMessage)]
    assert call_ids == result_ids and len(set(call_ids)) == len(call_ids) == 3
    assert first.usage == second.usage == Usage()
    assert not any(isinstance(run.result, ToolFailure) for run in [*first.tool_runs, *second.tool_runs])


def test_model_names_itself_offline() -> None:
    model = OfflineModel()

    assert (model.backend, model.model) == ("offline", "offline")
    assert model.complete([], []).content


@pytest.mark.parametrize("message", ["mark it done", "that one's finished"])
def test_a_pronoun_means_the_task_just_added(user: User, errands: list[Todo], message: str) -> None:
    added = say(user, "add call the plumber")

    turn = say(user, message, history=added.messages)

    assert task(user, 5).completed
    assert not task(user, 3).completed
    assert 'Marked task 5 "Call the plumber" as completed.' in turn.reply


def test_its_done_completes_the_task_just_added(user: User, errands: list[Todo]) -> None:
    added = say(user, "add call the plumber")

    turn = say(user, "it's done", history=added.messages)

    assert task(user, 5).completed
    assert 'Marked task 5 "Call the plumber" as completed.' in turn.reply


def test_a_numbered_prefix_beats_the_pronoun_after_it(user: User, errands: list[Todo]) -> None:
    added = say(user, "add call the plumber")

    turn = say(user, "task 3: mark it as done", history=added.messages)

    assert task(user, 3).completed
    assert not task(user, 5).completed
    assert 'Marked task 3 "Team meeting" as completed.' in turn.reply


def test_undo_and_reopen_through_the_offline_agent(user: User) -> None:
    """ "undo that" undoes the last turn's change (a delete comes back with its number);
    "mark it as not done" reopens a completed task."""
    from chat.tests.helpers import Answer, run_turn

    def talk(message: str, conversation_id: uuid.UUID | None = None) -> Answer:
        return run_turn(owner=user, message=message, conversation_id=conversation_id, model=OfflineModel())

    first = talk("add buy milk and call mom")
    conversation = first.conversation_id
    talk("delete task 2", conversation)
    undone = talk("oops, undo that", conversation)
    talk("mark 1 done", conversation)
    reopened = talk("wait, mark it as not done again", conversation)

    assert titles(user) == {1: "Buy milk", 2: "Call mom"}
    assert not task(user, 1).completed
    assert [call["tool_name"] for call in undone.tool_calls] == ["undo_last_turn"]
    assert 'task 2 "Call mom" is back' in undone.reply
    assert 'Reopened task 1 "Buy milk"' in reopened.reply


@pytest.mark.parametrize(
    ("message", "added"),
    [("milk", {1: "Milk"}), ("bread, coffee, batteries", {1: "Bread", 2: "Coffee", 3: "Batteries"})],
)
def test_bare_names_are_things_to_add(user: User, message: str, added: dict[int, str]) -> None:
    turn = say(user, message)

    assert titles(user) == added
    assert tool_names(turn) == ["add_task"] * len(added)
