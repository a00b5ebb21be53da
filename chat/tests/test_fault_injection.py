"""Fault injection on PostgreSQL: the database connection is cut (`pg_terminate_backend` from
a second connection) at every point of a chat turn, then the client retries with the same
`Idempotency-Key`. Whatever the cut, afterwards:

- no change to a task exists without its record (its `TaskChange`, the call and its result);
- the history is valid (every tool call followed by its result);
- no tool ran twice (each scripted task exists once, each call has one result);
- the retry answers 200 with the whole turn.
"""

import json
from collections.abc import Sequence
from typing import Any

import psycopg
import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from chat import idempotency
from chat.agent.messages import ChatMessage, TaskResult, ToolMessage
from chat.models import Conversation, IdempotentRequest, Message, TaskChange, Turn
from chat.selectors import history_for
from chat.tests.helpers import as_dicts, chat
from chat.tests.scripted_model import ScriptedModel, calls, say
from chat.tests.scripted_openai import assert_valid_history
from conftest import client_for
from todos import services
from todos.models import Todo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]

MESSAGE = "add milk and eggs"
TITLES = ["Milk", "Eggs"]


def kill_my_connection() -> None:
    """Terminate this thread's database session from another connection, as a database
    restart or a network cut would."""
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def script(cut_at_call: int | None) -> ScriptedModel:
    """Three model calls: add Milk, add Eggs, reply; the connection is cut during call
    `cut_at_call` (1: before the first step, 2: after the first tool's step is stored,
    3: after the second, before the final message is stored)."""
    answers: list[Any] = [calls(("add_task", {"title": "Milk", "description": None}))]
    answers.append(calls(("add_task", {"title": "Eggs", "description": None})))
    answers.append(say("Added milk and eggs."))
    if cut_at_call is not None:
        answer = answers[cut_at_call - 1]

        def cut(messages: list, answer: Any = answer) -> Any:
            kill_my_connection()
            return answer

        answers[cut_at_call - 1] = cut
    return ScriptedModel(*answers)


def resumable(model: ScriptedModel) -> ScriptedModel:
    """The retry's model: the script from where the first request stopped (it re-reads the
    conversation to know which step comes next), never repeating a stored step."""

    def next_step(messages: Sequence[ChatMessage]) -> Any:
        results = [m.result for m in messages if isinstance(m, ToolMessage)]
        added = [result.task["title"] for result in results if isinstance(result, TaskResult)]
        remaining = [title for title in TITLES if title not in added]
        if remaining:
            return calls(("add_task", {"title": remaining[0], "description": None}))
        return say("Added milk and eggs.")

    return ScriptedModel(*[next_step] * 4)


def assert_consistent(user: User) -> None:
    """Every task has its record, the history is valid, and no tool ran twice."""
    tasks = list(Todo.objects.filter(owner=user).order_by("number").values_list("number", "title"))
    assert [title for _, title in tasks] == TITLES  # each once: no tool ran twice
    changes = list(
        TaskChange.objects.filter(turn__conversation__owner=user).order_by("id").values_list("action", "number")
    )
    assert changes == [("add", number) for number, _ in tasks]  # no change without its TaskChange
    results = [
        json.loads(m.content)
        for m in Message.objects.filter(conversation__owner=user, role="tool").order_by("turn_id", "step", "index")
    ]
    assert [(r["task"]["id"], r["task"]["title"]) for r in results] == tasks  # nor without its call and result
    for conversation in Conversation.objects.filter(owner=user):
        stored = [
            {"role": m.role, "tool_calls": m.tool_calls, "tool_call_id": m.tool_call_id}
            for m in Message.objects.filter(conversation=conversation).order_by("turn_id", "step", "index")
        ]
        assert_valid_history([{k: v for k, v in m.items() if v} | {"role": m["role"]} for m in stored])
        assert_valid_history(as_dicts(history_for(conversation=conversation, budget=1_000_000)))


def use(monkeypatch: pytest.MonkeyPatch, *models: ScriptedModel) -> None:
    queue = list(models)
    monkeypatch.setattr("chat.services.build_model", lambda: queue.pop(0))


def turn_with_a_cut(
    monkeypatch: pytest.MonkeyPatch, user: User, first: ScriptedModel, *, key: str = "fault-key"
) -> tuple[Any, Any]:
    retry = resumable(first)
    use(monkeypatch, first, retry)
    client = client_for(user)
    client.raise_request_exception = False
    failed = chat(client, user, MESSAGE, key=key)
    again = chat(client, user, MESSAGE, key=key)
    return failed, again


@pytest.mark.parametrize(
    ("cut_at_call", "stored_before_cut"),
    [(1, 0), (2, 1), (3, 2)],
    ids=["before-the-first-step", "after-the-first-tool-step", "before-the-final-message"],
)
def test_a_cut_during_a_model_call_is_503_and_the_retry_continues_the_turn(
    monkeypatch: pytest.MonkeyPatch, cut_at_call: int, stored_before_cut: int
) -> None:
    user = UserFactory.create()

    failed, again = turn_with_a_cut(monkeypatch, user, script(cut_at_call))

    assert failed.status_code == 503
    assert failed["Retry-After"] == "5"
    assert failed.json()["code"] == "database_unavailable_may_have_run"
    assert again.status_code == 200, again.content
    body = again.json()
    assert body["message"] == "Added milk and eggs."
    assert [call["result"]["task"]["title"] for call in body["tool_calls"]] == TITLES
    assert Turn.objects.get(conversation__owner=user).status == "completed"
    assert_consistent(user)


def test_a_cut_before_the_turn_starts_is_503_nothing_happened(monkeypatch: pytest.MonkeyPatch) -> None:
    user = UserFactory.create()
    real_start = idempotency.begin_turn
    cuts = iter([True])

    def cut_then_start(**kwargs: Any) -> Any:
        if next(cuts, False):
            kill_my_connection()
        return real_start(**kwargs)

    monkeypatch.setattr("chat.idempotency.begin_turn", cut_then_start)
    failed, again = turn_with_a_cut(monkeypatch, user, script(None))

    assert (failed.status_code, failed.json()["code"]) == (503, "database_unavailable")
    # The key was given back, so the retry ran at once (it reached the model).
    assert again.status_code == 200, again.content
    assert_consistent(user)


def test_a_cut_before_the_outcome_is_stored_is_answered_from_the_record(monkeypatch: pytest.MonkeyPatch) -> None:
    user = UserFactory.create()
    real_store = idempotency._store_outcome
    cuts = iter([True])

    def cut_then_store(**kwargs: Any) -> None:
        if next(cuts, False):
            kill_my_connection()
        real_store(**kwargs)

    monkeypatch.setattr("chat.idempotency._store_outcome", cut_then_store)
    first = script(None)
    failed, again = turn_with_a_cut(monkeypatch, user, first)

    assert (failed.status_code, failed.json()["code"]) == (503, "database_unavailable_may_have_run")
    assert again.status_code == 200
    assert [call["result"]["task"]["title"] for call in again.json()["tool_calls"]] == TITLES
    assert len(first.sent) == 3  # the retry made no model call: the turn was complete
    assert IdempotentRequest.objects.get(owner=user).response_status == 200
    assert_consistent(user)


def test_a_cut_inside_a_tool_leaves_neither_the_change_nor_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection dies while the tool writes: the step's transaction is gone as a whole."""
    user = UserFactory.create()
    real_add = services.add_task
    cuts = iter([True])

    def add_after_a_cut(**kwargs: Any) -> Any:
        if next(cuts, False):
            kill_my_connection()
        return real_add(**kwargs)

    monkeypatch.setattr("todos.services.add_task", add_after_a_cut)
    failed, again = turn_with_a_cut(monkeypatch, user, script(None))

    assert (failed.status_code, failed.json()["code"]) == (503, "database_unavailable_may_have_run")
    assert again.status_code == 200
    assert_consistent(user)


def test_the_service_answers_again_once_the_connection_is_back(api_client: APIClient, user: User) -> None:
    assert api_client.get(f"/api/{user.pk}/tasks").status_code == 200
    kill_my_connection()

    first = api_client.get(f"/api/{user.pk}/tasks")
    second = api_client.get(f"/api/{user.pk}/tasks")

    assert (first.status_code, first.json()["code"]) == (503, "database_unavailable")
    assert second.status_code == 200

