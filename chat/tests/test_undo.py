"""Undo and reopen: every task change a turn makes is recorded with it (`TaskChange`), and the
last turn's changes can be undone (a tool, and `POST .../conversations/<id>/undo`)."""

import json
import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from chat.models import Conversation, TaskChange, Turn
from chat.tests.helpers import Answer, run_turn
from chat.tests.scripted_model import ScriptedModel, calls, say
from todos import errors, services
from todos.models import TaskCounter, Todo
from todos.tests.factories import TodoFactory

pytestmark = pytest.mark.django_db

ADD_MILK = ("add_task", {"title": "Buy milk", "description": None})


def tasks_of(user: User) -> dict[int, tuple[str, bool]]:
    return {task.number: (task.title, task.completed) for task in Todo.objects.filter(owner=user)}


def turn(
    user: User,
    conversation_id: uuid.UUID | None = None,
    *steps: list[tuple[str, dict[str, Any]]],
    message: str = "do it",
) -> Answer:
    """Run one turn whose model makes the tool calls in `steps` (one step each), then says "Done."."""
    model = ScriptedModel(*[calls(*step) for step in steps], say("Done."))
    return run_turn(owner=user, message=message, conversation_id=conversation_id, model=model)


def results(chat_turn: Answer) -> list[dict[str, Any]]:
    return [call["result"] for call in chat_turn.tool_calls]


def undo_url(user: User, conversation_id: uuid.UUID) -> str:
    return f"/api/{user.pk}/conversations/{conversation_id}/undo"


# --- the services ---------------------------------------------------------------------------


def test_reopen_marks_a_completed_task_as_not_done_and_leaves_an_open_one_open(user: User) -> None:
    TodoFactory.create(owner=user, title="Done", completed=True)
    TodoFactory.create(owner=user, title="Open")

    assert services.reopen_task(owner=user, number=1).completed is False
    assert services.reopen_task(owner=user, number=2).completed is False
    assert tasks_of(user) == {1: ("Done", False), 2: ("Open", False)}


def test_reopen_of_an_unknown_task_is_task_not_found(user: User) -> None:
    with pytest.raises(errors.TaskNotFound):
        services.reopen_task(owner=user, number=3)


def test_revert_brings_a_deleted_task_back_with_its_number_and_creation_time(user: User) -> None:
    task = TodoFactory.create(owner=user, title="Keep me", description="details")
    TodoFactory.create(owner=user, title="Later")
    snapshot = services.task_snapshot(task)
    services.delete_task(owner=user, number=1)

    restored = services.revert_task(owner=user, number=1, expected=None, to=snapshot)

    assert (restored.number, restored.title, restored.description) == (1, "Keep me", "details")
    assert Todo.objects.get(owner=user, number=1).created_at == task.created_at
    assert TaskCounter.objects.get(owner=user).last_number == 2  # the counter never moves back
    assert services.add_task(owner=user, title="New").number == 3


def test_revert_never_hands_out_a_number_that_was_not_used(user: User) -> None:
    TodoFactory.create(owner=user)
    snapshot: services.TaskSnapshot = {"title": "Forged", "description": "", "completed": False}

    with pytest.raises(errors.UndoConflict):
        services.revert_task(owner=user, number=5, expected=None, to=snapshot)
    assert list(Todo.objects.filter(owner=user).values_list("number", flat=True)) == [1]


def test_revert_refuses_a_task_that_changed_since(user: User) -> None:
    task = TodoFactory.create(owner=user, title="Old")
    before = services.task_snapshot(task)
    after = services.task_snapshot(services.update_task(owner=user, number=1, title="New"))
    services.update_task(owner=user, number=1, title="Newer")

    with pytest.raises(errors.UndoConflict) as refused:
        services.revert_task(owner=user, number=1, expected=after, to=before)
    assert (refused.value.status_code, refused.value.code, refused.value.number) == (409, "undo_conflict", 1)
    assert tasks_of(user) == {1: ("Newer", False)}


# --- recorded with the turn -----------------------------------------------------------------


def test_every_change_a_turn_makes_is_recorded_with_its_step_before_and_after(user: User) -> None:
    TodoFactory.create(owner=user, title="Pay bills")
    answered = turn(
        user,
        None,
        [("add_task", {"title": "Buy milk", "description": None})],
        [("complete_task", {"task_id": 1}), ("update_task", {"task_id": 2, "title": "Buy oat milk"})],
        [("list_tasks", {"status": "all"}), ("delete_task", {"task_id": 1})],
    )

    recorded = Turn.objects.get(conversation_id=answered.conversation_id)
    changes = list(TaskChange.objects.filter(turn=recorded).values_list("step", "action", "number"))
    assert changes == [(1, "add", 2), (2, "complete", 1), (2, "update", 2), (3, "delete", 1)]
    add, complete, update, delete = TaskChange.objects.filter(turn=recorded)
    assert add.after is not None and complete.before is not None and complete.after is not None
    assert update.before is not None and update.after is not None
    assert delete.before is not None
    assert add.before is None and add.after["title"] == "Buy milk"
    assert (complete.before["completed"], complete.after["completed"]) == (False, True)
    assert (update.before["title"], update.after["title"]) == ("Buy milk", "Buy oat milk")
    assert delete.before["title"] == "Pay bills" and delete.after is None


def test_a_call_that_changes_nothing_records_nothing(user: User) -> None:
    TodoFactory.create(owner=user, completed=True)
    answered = turn(user, None, [("complete_task", {"task_id": 1}), ("reopen_task", {"task_id": 9})])

    assert results(answered)[0]["success"] is True
    assert results(answered)[1]["code"] == "task_not_found"
    assert not TaskChange.objects.exists()


# --- reopen_task ---------------------------------------------------------------------------


def test_the_reopen_tool_marks_a_task_not_done_and_answers_like_complete_task(user: User) -> None:
    TodoFactory.create(owner=user, title="Pay bills", completed=True)

    answered = turn(user, None, [("reopen_task", {"task_id": 1})], message="mark 1 as not done")

    [result] = results(answered)
    assert result["success"] is True
    assert (result["task"]["id"], result["task"]["title"], result["task"]["completed"]) == (1, "Pay bills", False)
    assert tasks_of(user) == {1: ("Pay bills", False)}
    assert TaskChange.objects.get().action == "reopen"


# --- undo_last_turn -------------------------------------------------------------------------


def test_undo_reverts_the_last_turn_that_changed_tasks(user: User) -> None:
    TodoFactory.create(owner=user, title="Pay bills")
    first = turn(user, None, [("add_task", {"title": "Buy milk", "description": None})])
    conversation = first.conversation_id
    turn(user, conversation, [("complete_task", {"task_id": 1}), ("update_task", {"task_id": 2, "title": "Oat milk"})])
    turn(user, conversation, [("list_tasks", {"status": "all"})])  # changes nothing: skipped

    undo = turn(user, conversation, [("undo_last_turn", {})], message="oops, undo that")

    [result] = results(undo)
    assert result["success"] is True
    assert [(item["action"], item["task"]["id"], item["task"]["title"]) for item in result["undone"]] == [
        ("complete", 1, "Pay bills"),
        ("update", 2, "Buy milk"),
    ]
    assert result["undone"][0]["task"]["completed"] is False
    assert tasks_of(user) == {1: ("Pay bills", False), 2: ("Buy milk", False)}
    undone, undoing = Turn.objects.filter(conversation_id=conversation).order_by("id")[1], Turn.objects.last()
    assert undone.undone_by == undoing
    assert undoing is not None
    assert list(undoing.task_changes.values_list("action", "number")) == [("revert", 2), ("revert", 1)]
    assert all(change.reverts is not None for change in undoing.task_changes.all())


def test_undo_twice_walks_back_and_never_undoes_an_undo(user: User) -> None:
    first = turn(user, None, [("add_task", {"title": "Buy milk", "description": None})])
    conversation = first.conversation_id
    turn(user, conversation, [("add_task", {"title": "Walk dog", "description": None})])

    turn(user, conversation, [("undo_last_turn", {})])
    assert tasks_of(user) == {1: ("Buy milk", False)}
    turn(user, conversation, [("undo_last_turn", {})])
    assert tasks_of(user) == {}
    last = turn(user, conversation, [("undo_last_turn", {})])

    assert results(last) == [
        {
            "success": False,
            "error": "There is no earlier change in this conversation to undo.",
            "code": "nothing_to_undo",
        }
    ]
    assert tasks_of(user) == {}


def test_undoing_a_delete_restores_the_task_with_its_number(user: User) -> None:
    TodoFactory.create(owner=user, title="Call mum", description="Sunday")
    TodoFactory.create(owner=user, title="Other")
    first = turn(user, None, [("delete_task", {"task_id": 1})], message="delete task 1")

    undo = turn(user, first.conversation_id, [("undo_last_turn", {})], message="bring it back")

    [result] = results(undo)
    assert [(item["action"], item["task"]["id"], item["task"]["title"]) for item in result["undone"]] == [
        ("delete", 1, "Call mum")
    ]
    assert Todo.objects.get(owner=user, number=1).description == "Sunday"
    assert services.add_task(owner=user, title="Next").number == 3


def test_undo_refuses_when_a_task_changed_since_and_changes_nothing(user: User) -> None:
    first = turn(
        user,
        None,
        [ADD_MILK, ("add_task", {"title": "Eggs", "description": None})],
    )
    services.update_task(owner=user, number=2, title="Eggs, a dozen")  # through REST, say

    undo = turn(user, first.conversation_id, [("undo_last_turn", {})])

    [result] = results(undo)
    assert result == {
        "success": False,
        "error": "Task 2 has changed since, so the change cannot be undone.",
        "code": "undo_conflict",
        "task_id": 2,
    }
    assert tasks_of(user) == {1: ("Buy milk", False), 2: ("Eggs, a dozen", False)}
    assert Turn.objects.filter(undone_by__isnull=False).count() == 0


def test_undo_is_relative_to_its_own_conversation(user: User) -> None:
    turn(user, None, [("add_task", {"title": "Elsewhere", "description": None})])
    fresh = turn(user, None, [("undo_last_turn", {})])

    assert results(fresh)[0]["code"] == "nothing_to_undo"
    assert tasks_of(user) == {1: ("Elsewhere", False)}


def test_undo_in_the_turn_that_made_the_change_undoes_the_turn_before(user: User) -> None:
    first = turn(user, None, [("add_task", {"title": "Keep", "description": None})])
    same = turn(
        user, first.conversation_id, [("add_task", {"title": "New", "description": None})], [("undo_last_turn", {})]
    )

    assert results(same)[1]["undone"][0]["task"]["title"] == "Keep"
    assert tasks_of(user) == {2: ("New", False)}


def test_the_model_sees_the_undo_result_in_the_history(user: User) -> None:
    first = turn(user, None, [("add_task", {"title": "Buy milk", "description": None})])
    turn(user, first.conversation_id, [("undo_last_turn", {})])
    model = ScriptedModel(say("ok"))
    run_turn(owner=user, message="what did you do?", conversation_id=first.conversation_id, model=model)

    undo_result = [m for m in model.sent[0] if m.get("name") == "undo_last_turn"]
    assert json.loads(undo_result[0]["content"])["undone"][0]["action"] == "add"


# --- the API --------------------------------------------------------------------------------


def test_the_undo_endpoint_undoes_the_last_turn_with_changes(api_client: APIClient, user: User) -> None:
    first = turn(user, None, [("add_task", {"title": "Buy milk", "description": None})])
    turn(user, first.conversation_id, [("delete_task", {"task_id": 1})])

    response = api_client.post(undo_url(user, first.conversation_id))

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["undone"]
    [item] = body["undone"]
    assert item["action"] == "delete"
    # The task as the REST API shows it, planning fields included.
    assert item["task"] == api_client.get(f"/api/{user.pk}/tasks/1").json()
    assert (item["task"]["id"], item["task"]["title"]) == (1, "Buy milk")
    assert tasks_of(user) == {1: ("Buy milk", False)}

    again = api_client.post(undo_url(user, first.conversation_id))
    assert again.status_code == 200 and tasks_of(user) == {}

    nothing = api_client.post(undo_url(user, first.conversation_id))
    assert (nothing.status_code, nothing.json()["code"]) == (409, "nothing_to_undo")
    # A refused undo leaves no trace.
    assert Turn.objects.filter(conversation_id=first.conversation_id).count() == 4


def test_the_undo_endpoint_refuses_a_conflict_with_409(api_client: APIClient, user: User) -> None:
    first = turn(user, None, [("add_task", {"title": "Buy milk", "description": None})])
    api_client.patch(f"/api/{user.pk}/tasks/1", {"title": "Changed"}, format="json")

    response = api_client.post(undo_url(user, first.conversation_id))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Task 1 has changed since, so the change cannot be undone.",
        "code": "undo_conflict",
    }
    assert tasks_of(user) == {1: ("Changed", False)}


def test_the_undo_endpoint_of_another_users_conversation_is_404(
    api_client: APIClient, user: User, other_user: User
) -> None:
    theirs = turn(other_user, None, [("add_task", {"title": "Theirs", "description": None})])

    response = api_client.post(undo_url(user, theirs.conversation_id))

    assert (response.status_code, response.json()["code"]) == (404, "conversation_not_found")
    assert tasks_of(other_user) == {1: ("Theirs", False)}
    assert Conversation.objects.get(pk=theirs.conversation_id).turns.count() == 1


def test_the_undo_endpoint_is_in_the_schema() -> None:
    from django.test import Client

    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/{user_id}/conversations/{conversation_id}/undo"]["post"]
    assert {"200", "409", "404"} <= set(operation["responses"])
