"""Batches: completing, reopening, deleting or updating several tasks in one call, each on its
own. A task that fails changes nothing and is reported by its code and number; the others
change all the same (per-task results, not all-or-nothing). Every change is recorded with the
turn, so one undo reverts the whole batch. Completing a repeating task moves it on to its next
date, and the result says which."""

import json
from typing import Any

import pytest

from accounts.models import User
from chat.agent.messages import BatchResult, TaskResult, ToolCall, ToolFailure, describe, parse_result, result_json
from chat.agent.tools import BATCH_MAX, Toolbox
from chat.models import TaskChange
from chat.tests.helpers import Answer, run_turn
from chat.tests.scripted_model import ScriptedModel, calls, say
from todos import services
from todos.models import Todo
from todos.tests.factories import TodoFactory

pytestmark = pytest.mark.django_db


def run(user: User, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return result_json(Toolbox(user).run(ToolCall(id="c1", name=name, arguments_json=json.dumps(arguments))).result)


def turn(user: User, conversation_id: object, *steps: list[tuple[str, dict[str, Any]]]) -> Answer:
    model = ScriptedModel(*[calls(*step) for step in steps], say("Done."))
    return run_turn(owner=user, message="do it", conversation_id=conversation_id, model=model)


def state(user: User) -> dict[int, tuple[str, bool, str | None, str]]:
    return {
        task.number: (task.title, task.completed, task.due_date.isoformat() if task.due_date else None, task.priority)
        for task in Todo.objects.filter(owner=user)
    }


@pytest.fixture
def three(user: User) -> User:
    for title in ("One", "Two", "Three"):
        services.add_task(owner=user, title=title)
    return user


def test_complete_tasks_completes_each_and_reports_an_unknown_one_by_its_code(three: User) -> None:
    result = run(three, "complete_tasks", {"task_ids": [1, 9, 3]})

    assert (result["success"], result["succeeded"], result["failed"]) == (True, 2, 1)
    assert [item["success"] for item in result["results"]] == [True, False, True]
    assert result["results"][1] == {
        "success": False,
        "error": "Task 9 not found.",
        "code": "task_not_found",
        "task_id": 9,
    }
    assert [item["task"]["id"] for item in result["results"] if item["success"]] == [1, 3]
    assert {number: done for number, (_, done, _, _) in state(three).items()} == {1: True, 2: False, 3: True}


def test_update_tasks_gives_each_the_plan_and_a_task_that_cannot_take_it_changes_nothing(three: User) -> None:
    services.update_task(owner=three, number=2, due_date=None)

    result = run(three, "update_tasks", {"task_ids": [1, 2], "due": "2030-01-07", "priority": "high"})
    refused = run(three, "update_tasks", {"task_ids": [1, 3], "repeat": "now and then"})

    assert result["succeeded"] == 2
    assert state(three)[1][2:] == state(three)[2][2:] == ("2030-01-07", "high")
    assert refused["failed"] == 2 and {item["code"] for item in refused["results"]} == {"invalid_recurrence"}
    assert [item["task_id"] for item in refused["results"]] == [1, 3]
    assert state(three)[3] == ("Three", False, None, "none")


def test_delete_and_reopen_tasks(three: User) -> None:
    services.complete_task(owner=three, number=2)

    reopened = run(three, "reopen_tasks", {"task_ids": [2]})
    deleted = run(three, "delete_tasks", {"task_ids": [1, 3, 3]})

    assert reopened["results"][0]["task"]["completed"] is False
    assert [item["task"]["title"] for item in deleted["results"]] == ["One", "Three"]  # a repeat counts once
    assert list(state(three)) == [2]


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"task_ids": []}, f"1 to {BATCH_MAX} numbers"),
        ({"task_ids": list(range(1, BATCH_MAX + 2))}, f"{BATCH_MAX}"),
        ({"task_ids": "1,2"}, "list"),
        ({"task_ids": [1, "x"]}, "integer"),
    ],
)
def test_a_batch_argument_that_does_not_fit_is_invalid_arguments(
    three: User, arguments: dict[str, Any], problem: str
) -> None:
    result = run(three, "complete_tasks", arguments)

    assert result["code"] == "invalid_arguments" and problem in result["error"]
    assert not any(done for _, done, _, _ in state(three).values())


def test_update_tasks_with_nothing_to_change_is_refused(three: User) -> None:
    assert run(three, "update_tasks", {"task_ids": [1], "due": None})["code"] == "invalid_arguments"


def test_a_batch_is_undone_in_one_step(three: User) -> None:
    before = state(three)
    first = turn(three, None, [("complete_tasks", {"task_ids": [1, 2, 9]})])
    turn(three, first.conversation_id, [("update_tasks", {"task_ids": [3], "priority": "low"})])
    assert TaskChange.objects.filter(turn__conversation_id=first.conversation_id).count() == 3

    undo = turn(three, first.conversation_id, [("undo_last_turn", {})])
    undo_again = turn(three, first.conversation_id, [("undo_last_turn", {})])

    assert [item["action"] for item in undo.tool_calls[0]["result"]["undone"]] == ["update"]
    assert [item["action"] for item in undo_again.tool_calls[0]["result"]["undone"]] == ["complete", "complete"]
    assert state(three) == before


def test_completing_a_repeating_task_moves_it_on_and_undo_restores_its_date(user: User) -> None:
    services.add_task(owner=user, title="Gym", due_string="2030-01-07")  # a Monday
    services.update_task(owner=user, number=1, recurrence="FREQ=WEEKLY;BYDAY=MO")
    TodoFactory(owner=user, title="Once")

    single = turn(user, None, [("complete_task", {"task_id": 1})])
    assert single.tool_calls[0]["result"]["next_due"] == "2030-01-14"
    assert single.tool_calls[0]["result"]["task"]["completed"] is False
    assert describe(parse_result(single.tool_calls[0]["result"]), tool_name="complete_task") == (
        'Completed task 1 "Gym", next due Mon 14 Jan'
    )

    batch = turn(user, single.conversation_id, [("complete_tasks", {"task_ids": [1, 2]})])
    results = batch.tool_calls[0]["result"]["results"]
    assert results[0]["next_due"] == "2030-01-21" and "next_due" not in results[1]
    assert describe(parse_result(batch.tool_calls[0]["result"]), tool_name="complete_tasks") == (
        'Completed 2 of 2 tasks: task 1 "Gym", next due Mon 21 Jan; task 2 "Once"'
    )

    turn(user, single.conversation_id, [("undo_last_turn", {})])
    assert state(user)[1] == ("Gym", False, "2030-01-14", "none")
    assert state(user)[2][1] is False
    turn(user, single.conversation_id, [("undo_last_turn", {})])
    assert state(user)[1] == ("Gym", False, "2030-01-07", "none")


def test_a_batch_result_reads_back_as_it_was_written() -> None:
    result = BatchResult(
        results=(
            TaskResult(task={"id": 1, "title": "Gym", "completed": False}, next_due="2030-01-14"),
            ToolFailure("Task 9 not found.", "task_not_found", 9),
        )
    )

    assert parse_result(json.loads(json.dumps(result_json(result)))) == result
    assert describe(result, tool_name="delete_tasks") == (
        'Deleted 1 of 2 tasks: task 1 "Gym", next due Mon 14 Jan; failed: Task 9 not found. (task_not_found)'
    )
