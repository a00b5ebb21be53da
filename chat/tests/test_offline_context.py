"""What the offline agent reads from the stored conversation (`read_context`): the tasks last
talked about, the list last shown, the task last added and a pending "which one?" question.
Messages are built by hand as the record stores them (OpenAI's format at the column, with the
structured `state` an assistant message carries) and read back typed, as the history loader
reads them; typed messages with their structured state are read at the end."""

import json
from collections.abc import Mapping
from typing import Any

import pytest

from chat.agent import messages
from chat.agent.offline import context as offline_context
from chat.agent.offline.context import Context, Question, TaskView
from chat.agent.offline.state import LOOKUP, question_state
from chat.selectors import as_chat_message, repaired
from chat.tests.factories import chat_turn, tool_call

# A message as the record stores it (its columns).
ChatMessage = dict[str, Any]
Call = tuple[str, str, dict[str, Any], dict[str, Any]]  # id, tool name, arguments, result


def read_context(history: list[ChatMessage]) -> Context:
    """The context of a stored history, read back typed as the history loader reads it."""
    return offline_context.read_context(repaired([as_chat_message(message) for message in history]))


def asking(question: Question) -> dict[str, Any]:
    """The state a "which one?" reply carries."""
    return dict(question_state(question))


def task(number: int, title: str, *, completed: bool = False, description: str = "") -> dict[str, Any]:
    """A task as a tool result shows it."""
    return {"id": number, "title": title, "description": description, "completed": completed}


def ok(item: dict[str, Any]) -> dict[str, Any]:
    return {"success": True, "task": item}


def listed(*items: dict[str, Any]) -> dict[str, Any]:
    return {"success": True, "tasks": list(items)}


def not_found(number: int) -> dict[str, Any]:
    return {"success": False, "error": f"Task {number} not found.", "code": "task_not_found", "task_id": number}


def turn(user_message: str, *batches: list[Call], reply: str, state: dict[str, Any] | None = None) -> list[ChatMessage]:
    """A stored turn: the user's message, one assistant message per batch of tool calls with
    their results (a batch of `offline_lookup_` calls is a lookup round, and says so in its
    state), and the final reply (with `state`)."""
    messages: list[ChatMessage] = [{"role": "user", "content": user_message}]
    for batch in batches:
        calls: ChatMessage = {
            "role": "assistant",
            "content": "",
            "tool_calls": [tool_call(i, n, a) for i, n, a, _ in batch],
        }
        if all(call_id.startswith("offline_lookup_") for call_id, *_ in batch):
            calls["state"] = dict(LOOKUP)
        messages.append(calls)
        for call_id, name, _, result in batch:
            messages.append({"role": "tool", "tool_call_id": call_id, "name": name, "content": json.dumps(result)})
    messages.append({"role": "assistant", "content": reply, "state": state})
    return messages


MEETINGS = (task(1, "Team meeting"), task(2, "Buy milk"), task(3, "Meeting notes", completed=True))


def shown_list(call_id: str = "offline_show_a1") -> list[ChatMessage]:
    return turn(
        "show my tasks",
        [(call_id, "list_tasks", {"status": "all"}, listed(*MEETINGS))],
        reply="Your tasks:\n1. Team meeting\n2. Buy milk\n3. Meeting notes (done)",
    )


def test_an_empty_history_tells_nothing() -> None:
    assert read_context([]) == Context()


def test_a_history_without_tools_tells_nothing_but_the_tasks_its_reply_names() -> None:
    context = read_context(chat_turn("hi", "Hello! Try task 2."))

    assert context.focus == (TaskView(number=2, title=""),)
    assert (context.shown, context.last_added, context.question, context.after_add) == ((), None, None, False)


# focus


def test_focus_is_the_tasks_the_previous_turn_acted_on() -> None:
    history = turn(
        "mark 1 and 2 done",
        [
            ("offline_a", "complete_task", {"task_id": 1}, ok(task(1, "Team meeting", completed=True))),
            ("offline_b", "complete_task", {"task_id": 2}, ok(task(2, "Buy milk", completed=True))),
        ],
        reply='Marked task 1 "Team meeting" as completed.\nMarked task 2 "Buy milk" as completed.',
    )

    assert read_context(history).focus == (
        TaskView(number=1, title="Team meeting", completed=True),
        TaskView(number=2, title="Buy milk", completed=True),
    )


def test_focus_leaves_out_a_failed_action() -> None:
    history = turn(
        "delete 2 and 9",
        [
            ("offline_a", "delete_task", {"task_id": 2}, ok(task(2, "Buy milk"))),
            ("offline_b", "delete_task", {"task_id": 9}, not_found(9)),
        ],
        reply='Deleted task 2 "Buy milk".\nI couldn\'t find task 9.',
    )

    assert [view.number for view in read_context(history).focus] == [2]


def test_without_an_action_focus_is_the_tasks_the_reply_named_with_titles_from_the_lookup() -> None:
    history = turn(
        "is the meeting done?",
        [("offline_lookup_a", "list_tasks", {"status": "all"}, listed(*MEETINGS))],
        reply='No, task 1 "Team meeting" is still open.',
    )

    context = read_context(history)

    assert context.focus == (TaskView(number=1, title="Team meeting"),)
    assert context.mentioned == (1,)


def test_a_failed_action_falls_back_to_the_tasks_the_reply_named() -> None:
    history = turn(
        "delete task 9",
        [("offline_a", "delete_task", {"task_id": 9}, not_found(9))],
        reply='I couldn\'t find task 9. Say "show my tasks" to see them all.',
    )

    assert read_context(history).focus == (TaskView(number=9, title=""),)


def test_focus_comes_from_the_previous_turn_only() -> None:
    history = [
        *turn(
            "add buy milk",
            [("offline_a", "add_task", {"title": "Buy milk"}, ok(task(2, "Buy milk")))],
            reply='Added task 2: "Buy milk".',
        ),
        *chat_turn("thanks", "You're welcome! Anything else for your list?"),
    ]

    assert read_context(history).focus == ()


# the list last shown


def test_the_list_last_shown_is_read_from_an_offline_show_call() -> None:
    assert read_context(shown_list()).shown == (1, 2, 3)


def test_a_list_from_another_model_counts_as_shown() -> None:
    assert read_context(shown_list(call_id="call_9f2c")).shown == (1, 2, 3)


def test_a_lookup_is_not_a_list_the_user_saw() -> None:
    history = turn(
        "delete the milk one",
        [("offline_lookup_a", "list_tasks", {"status": "all"}, listed(*MEETINGS))],
        [("offline_b", "delete_task", {"task_id": 2}, ok(task(2, "Buy milk")))],
        reply='Deleted task 2 "Buy milk".',
    )

    assert read_context(history).shown == ()


def test_the_list_shown_survives_later_turns_and_lookups() -> None:
    history = [
        *shown_list(),
        *turn(
            "is the meeting done?",
            [("offline_lookup_b", "list_tasks", {"status": "all"}, listed(task(5, "Something else")))],
            reply='No, task 1 "Team meeting" is still open.',
        ),
    ]

    assert read_context(history).shown == (1, 2, 3)


def test_the_newest_list_shown_wins() -> None:
    pending = turn(
        "what's pending?",
        [("offline_show_b", "list_tasks", {"status": "pending"}, listed(MEETINGS[1], MEETINGS[0]))],
        reply="Your pending tasks:\n2. Buy milk\n1. Team meeting",
    )

    assert read_context([*shown_list(), *pending]).shown == (2, 1)


def test_a_failed_list_is_not_shown() -> None:
    history = turn(
        "show my tasks",
        [("offline_show_a", "list_tasks", {"status": "all"}, {"success": False, "error": "boom", "code": "x"})],
        reply="Sorry, I couldn't do that: boom",
    )

    assert read_context(history).shown == ()


# the task last added


def test_last_added_is_the_newest_successful_add_across_turns() -> None:
    history = [
        *turn(
            "add these: eggs, flour",
            [
                ("offline_a", "add_task", {"title": "Eggs"}, ok(task(4, "Eggs"))),
                ("offline_b", "add_task", {"title": "Flour"}, ok(task(5, "Flour"))),
            ],
            reply='Added task 4: "Eggs".\nAdded task 5: "Flour".',
        ),
        *turn(
            "add " + "x" * 250,
            [("offline_c", "add_task", {"title": "x" * 250}, {"success": False, "error": "too long", "code": "y"})],
            reply="Sorry, I couldn't do that: too long",
        ),
        *shown_list(),
    ]

    assert read_context(history).last_added == 5


# after_add


def test_after_add_when_the_previous_turn_added() -> None:
    history = turn(
        "need to renew my passport",
        [("offline_a", "add_task", {"title": "Renew my passport"}, ok(task(1, "Renew my passport")))],
        reply='Added task 1: "Renew my passport".',
    )

    assert read_context(history).after_add
    assert not read_context([*history, *shown_list()]).after_add


# a pending "which one?" question


MEETING_QUESTION = Question(
    message="delete the meeting task",
    candidates=(TaskView(number=1, title="Team meeting"), TaskView(number=3, title="Meeting notes")),
)


def test_a_which_one_question_is_read_with_its_candidates_from_the_stored_state() -> None:
    history = turn(
        "delete the meeting task",
        [("offline_lookup_a", "list_tasks", {"status": "all"}, listed(*MEETINGS))],
        reply='Which one do you mean: task 1 "Team meeting" or task 3 "Meeting notes"?',
        state=asking(MEETING_QUESTION),
    )

    assert read_context(history).question == MEETING_QUESTION


@pytest.mark.parametrize(
    "reply",
    [
        "Your tasks:\n1. Team meeting",
        "Which one do you mean? Say its number.",  # no candidates named
        'Which task do you mean? Say its number (for example "task 2").',
    ],
)
def test_other_replies_ask_no_question(reply: str) -> None:
    assert read_context(chat_turn("delete it", reply)).question is None


def test_a_question_is_only_pending_for_the_next_message() -> None:
    history = [
        *turn("delete the meeting task", reply="Which one do you mean?", state=asking(MEETING_QUESTION)),
        *chat_turn("never mind", "OK, I left your tasks as they are."),
    ]

    assert read_context(history).question is None


# robustness


def test_unreadable_tool_results_are_ignored() -> None:
    history: list[ChatMessage] = [
        {"role": "user", "content": "show my tasks"},
        {"role": "assistant", "content": "", "tool_calls": [tool_call("offline_show_a", "list_tasks", {})]},
        {"role": "tool", "tool_call_id": "offline_show_a", "name": "list_tasks", "content": "not json"},
        {"role": "assistant", "content": "Sorry."},
    ]

    assert read_context(history) == Context()


def test_the_tool_name_comes_from_the_call_when_the_result_has_none() -> None:
    history: list[ChatMessage] = [
        {"role": "user", "content": "add eggs"},
        {"role": "assistant", "content": "", "tool_calls": [tool_call("call_1", "add_task", {"title": "Eggs"})]},
        {"role": "tool", "tool_call_id": "call_1", "content": json.dumps(ok(task(7, "Eggs")))},
        {"role": "assistant", "content": "Added it."},
    ]

    context = read_context(history)

    assert (context.last_added, context.after_add) == (7, True)
    assert context.focus == (TaskView(number=7, title="Eggs"),)


def test_messages_before_the_first_user_message_are_ignored() -> None:
    history: list[ChatMessage] = [
        {"role": "assistant", "content": "Which one do you mean?", "state": asking(MEETING_QUESTION)},
        *chat_turn("hi", "Hello!"),
    ]

    assert read_context(history) == Context()


# the structured state of typed messages


def typed_turn(user_message: str, reply: str, state: Mapping[str, Any] | None = None) -> list[messages.ChatMessage]:
    return [messages.UserMessage(content=user_message), messages.AssistantMessage(content=reply, state=state)]


def test_a_question_is_read_from_the_state_of_the_reply() -> None:
    question = Question(message="delete the meeting task", candidates=(TaskView(number=1, title="Team meeting"),))
    history = typed_turn("delete the meeting task", "Pick one, please.", question_state(question))

    assert offline_context.read_context(history).question == question


def test_the_wording_of_a_typed_reply_is_never_read_for_a_question() -> None:
    history = typed_turn("delete the meeting task", 'Which one do you mean: task 1 "Team meeting" or task 3 "X"?')

    assert offline_context.read_context(history).question is None


def test_a_lookup_round_is_known_by_its_state_not_its_call_ids() -> None:
    call = messages.ToolCall.of(id="offline_show_a", name="list_tasks", arguments={"status": "all"})
    result = messages.parse_result(listed(*MEETINGS))
    history: list[messages.ChatMessage] = [
        messages.UserMessage(content="is the meeting done?"),
        messages.AssistantMessage(tool_calls=(call,), state=LOOKUP),
        messages.ToolMessage(call_id=call.id, name=call.name, result=result),
        messages.AssistantMessage(content="Yes."),
    ]

    assert offline_context.read_context(history).shown == ()
    unmarked = [history[0], messages.AssistantMessage(tool_calls=(call,)), *history[2:]]
    assert offline_context.read_context(unmarked).shown == (1, 2, 3)


def test_a_dict_message_hands_its_state_over_as_it_is() -> None:
    history: list[ChatMessage] = chat_turn("delete the meeting task", "Pick one, please.")
    question = {"question": {"message": "delete the meeting task", "candidates": [{"id": 3, "title": "X"}]}}
    history[-1]["state"] = question

    assert read_context(history).question == Question(
        message="delete the meeting task", candidates=(TaskView(number=3, title="X"),)
    )


def test_a_which_one_reply_carries_its_question_as_state() -> None:
    from chat.agent.offline.model import OfflineModel

    model, tools = OfflineModel(), frozenset({"list_tasks", "delete_task"})
    asked: list[messages.ChatMessage] = [messages.UserMessage(content="delete the meeting task")]
    lookup = model.reply(asked, tools)
    assert lookup.state == LOOKUP
    results = [
        messages.ToolMessage(call_id=call.id, name=call.name, result=messages.parse_result(listed(*MEETINGS)))
        for call in lookup.tool_calls
    ]

    question = model.reply([*asked, lookup, *results], tools)

    assert question.state == question_state(
        Question(
            message="delete the meeting task",
            candidates=(TaskView(number=1, title="Team meeting"), TaskView(number=3, title="Meeting notes")),
        )
    )
