"""The tool-calling loop through the OpenAI path: the real `openai` SDK over HTTP to a
scripted OpenAI-compatible server, driven through `POST /api/<user_id>/chat`."""

import json
from typing import Any
from unittest.mock import ANY

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.time_zones import local_now
from chat.agent.messages import SystemMessage, UserMessage
from chat.agent.prompt import system_prompt
from chat.agent.tools import TOOLS
from chat.context_window import REPLY_RESERVE_TOKENS, estimate_tokens, prompt_tokens
from chat.models import Message
from chat.selectors import messages_in_order
from chat.tests.helpers import chat, typed_all
from chat.tests.scripted_openai import ScriptedOpenAI, Step, assert_valid_history, completion, reply, tool_calls
from todos.models import Todo
from todos.tests.factories import TodoFactory

pytestmark = pytest.mark.django_db

TOOL_NAMES = {
    "add_task",
    "list_tasks",
    "complete_task",
    "reopen_task",
    "delete_task",
    "update_task",
    "complete_tasks",
    "reopen_tasks",
    "delete_tasks",
    "update_tasks",
    "undo_last_turn",
}


def call_ids(step: Step) -> list[str]:
    return [call["id"] for call in step.body["choices"][0]["message"]["tool_calls"]]


def stored(conversation_id: str) -> list[Message]:
    return list(messages_in_order().filter(conversation_id=conversation_id))


def tool_results(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(message["content"]) for message in request["messages"] if message["role"] == "tool"]


def test_single_tool_call_then_reply(api_client, user, scripted_openai):
    step = tool_calls(("add_task", {"title": "Buy milk", "description": None}))
    scripted_openai.script(step, reply('Added task 1 "Buy milk".'))

    response = chat(api_client, user, "Add buy milk")

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == 'Added task 1 "Buy milk".'
    assert body["tool_calls"] == [
        {
            "tool_name": "add_task",
            "arguments": {"title": "Buy milk", "description": None},
            "result": {
                "success": True,
                "task": {
                    "id": 1,
                    "title": "Buy milk",
                    "description": "",
                    "completed": False,
                    "due_date": None,
                    "due_time": None,
                    "priority": "none",
                    "recurrence": None,
                    "overdue": False,
                    "completed_at": None,
                    "created_at": ANY,
                    "updated_at": ANY,
                },
            },
        }
    ]
    assert list(Todo.objects.filter(owner=user).values_list("title", flat=True)) == ["Buy milk"]
    messages = stored(body["conversation_id"])
    assert [m.position for m in messages] == [0, 1, 2, 3]
    assert [m.role for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert messages[0].content == "Add buy milk"
    assert [call["id"] for call in messages[1].tool_calls] == call_ids(step)
    assert messages[1].tool_calls[0]["function"]["name"] == "add_task"
    assert messages[2].tool_call_id == call_ids(step)[0]
    assert json.loads(messages[2].content) == body["tool_calls"][0]["result"]
    assert messages[3].content == body["message"]
    assert messages[3].tool_calls is None


def test_parallel_tool_calls_run_in_order_and_feed_back_each_result(api_client, user, scripted_openai):
    step = tool_calls(
        ("add_task", {"title": "First", "description": None}),
        ("add_task", {"title": "Second", "description": "details"}),
        ("list_tasks", {"status": "all"}),
    )
    scripted_openai.script(step, reply("Done."))

    response = chat(api_client, user, "Add two tasks and list them")

    assert response.status_code == 200
    assert list(Todo.objects.filter(owner=user).order_by("number").values_list("number", "title")) == [
        (1, "First"),
        (2, "Second"),
    ]
    assert [run["tool_name"] for run in response.json()["tool_calls"]] == ["add_task", "add_task", "list_tasks"]
    assert len(scripted_openai.requests) == 2
    sent = scripted_openai.requests[1]["messages"]
    assert sent[-4]["role"] == "assistant"
    assert [call["id"] for call in sent[-4]["tool_calls"]] == call_ids(step)
    assert [(m["role"], m["tool_call_id"]) for m in sent[-3:]] == [("tool", i) for i in call_ids(step)]
    first, second, listed = (json.loads(m["content"]) for m in sent[-3:])
    assert first["task"]["title"] == "First"
    assert second["task"]["title"] == "Second"
    assert [task["title"] for task in listed["tasks"]] == ["First", "Second"]


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        pytest.param("add_task", "{title: not json", id="not-json"),
        pytest.param("add_task", '["Buy milk"]', id="json-array"),
        pytest.param("add_task", {"title": 42, "description": None}, id="wrong-type-title"),
        pytest.param("complete_task", {"task_id": "one"}, id="wrong-type-task-id"),
        pytest.param("drop_all_tables", {}, id="unknown-tool"),
        pytest.param("complete_task", {"task_id": "\u00b2"}, id="superscript-digit-task-id"),
        pytest.param("complete_task", {"task_id": "1" * 40}, id="huge-task-id-text"),
        pytest.param("add_task", "[" * 100_000, id="nested-too-deep"),
        pytest.param("complete_task", '{"task_id": ' + "9" * 5000 + "}", id="integer-too-long-to-parse"),
        pytest.param("add_task", '{"title": "Milk", "description": null, "x": NaN}', id="nan"),
        pytest.param("add_task", '{"title": "Milk", "description": null, "x": -Infinity}', id="infinity"),
        pytest.param("add_task", '{"title": "Milk", "description": null, "x": 1e400}', id="float-out-of-range"),
        pytest.param("add_task", '{"title": "Milk", "x": ' + "[" * 450 + "]" * 450 + "}", id="nested-450-deep"),
    ],
)
def test_bad_tool_call_is_fed_back_as_error_result(api_client, user, scripted_openai, name, arguments):
    TodoFactory(owner=user, title="Existing")
    step = tool_calls((name, arguments))
    scripted_openai.script(step, reply("Sorry, that went wrong."))

    response = chat(api_client, user, "Do something")

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Sorry, that went wrong."
    [run] = body["tool_calls"]
    assert run["result"]["success"] is False
    assert run["result"]["error"]
    fed_back = scripted_openai.requests[1]["messages"][-1]
    assert fed_back["role"] == "tool"
    assert fed_back["tool_call_id"] == call_ids(step)[0]
    assert json.loads(fed_back["content"]) == run["result"]
    assert list(Todo.objects.filter(owner=user).values_list("title", "completed")) == [("Existing", False)]


def test_a_tool_that_fails_unexpectedly_is_an_error_result_and_the_turn_is_kept(
    api_client, user, scripted_openai, monkeypatch
):
    def database_down(**kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr("todos.services.complete_task", database_down)
    TodoFactory(owner=user, title="Existing")
    scripted_openai.script(
        tool_calls(("add_task", {"title": "Milk", "description": None}), ("complete_task", {"task_id": 1})),
        reply("One of those failed."),
    )

    response = chat(api_client, user, "add milk and complete task 1")

    assert response.status_code == 200
    results = [run["result"] for run in response.json()["tool_calls"]]
    assert results[0]["success"] is True
    assert results[1] == {
        "success": False,
        "error": "The tool 'complete_task' failed unexpectedly.",
        "code": "tool_failed",
    }
    assert [m.role for m in stored(response.json()["conversation_id"])] == [
        "user",
        "assistant",
        "tool",
        "tool",
        "assistant",
    ]


def test_loop_stops_after_eight_model_calls_with_a_graceful_reply(api_client, user, scripted_openai):
    scripted_openai.fallback = lambda request: tool_calls(("list_tasks", {"status": "all"}))

    response = chat(api_client, user, "Keep going")

    assert response.status_code == 200
    body = response.json()
    assert body["message"]
    assert len(scripted_openai.requests) == 8
    assert len(body["tool_calls"]) == 8
    messages = stored(body["conversation_id"])
    assert [m.position for m in messages] == list(range(18))
    assert [m.role for m in messages] == ["user", *["assistant", "tool"] * 8, "assistant"]
    assert messages[-1].content == body["message"]
    assert messages[-1].tool_calls is None

    scripted_openai.script(reply("Fine."))
    again = chat(api_client, user, "Thanks", body["conversation_id"])

    assert again.status_code == 200
    sent = scripted_openai.requests[-1]["messages"]
    assert len(sent) == 1 + 18 + 1
    assert_valid_history(sent)


def test_next_turn_replays_the_previous_turn_after_the_system_prompt(api_client, user, scripted_openai):
    step = tool_calls(("add_task", {"title": "Call mom", "description": None}))
    scripted_openai.script(step, reply("Added task 1."))
    first = chat(api_client, user, "Add call mom").json()
    [call_id] = call_ids(step)

    scripted_openai.script(reply("You have one task."))
    response = chat(api_client, user, "What do I have?", first["conversation_id"])

    assert response.status_code == 200
    assert response.json()["conversation_id"] == first["conversation_id"]
    sent = scripted_openai.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert sent[1]["content"] == "Add call mom"
    assert [call["id"] for call in sent[2]["tool_calls"]] == [call_id]
    assert sent[2]["tool_calls"][0]["function"]["name"] == "add_task"
    assert json.loads(sent[2]["tool_calls"][0]["function"]["arguments"]) == {"title": "Call mom", "description": None}
    assert sent[3]["tool_call_id"] == call_id
    assert json.loads(sent[3]["content"]) == first["tool_calls"][0]["result"]
    assert sent[4]["content"] == "Added task 1."
    assert sent[5]["content"] == "What do I have?"


def test_system_prompt_names_the_user_and_today(api_client, user, scripted_openai):
    chat(api_client, user, "Hello")

    system = scripted_openai.requests[0]["messages"][0]
    today = timezone.localdate()
    assert system["role"] == "system"
    assert user.display_name in system["content"]
    for part in (f"{today:%A}", f"{today:%B}", str(today.day), str(today.year)):
        assert part in system["content"]


def test_tool_schemas_are_strict_and_take_no_user_id(api_client, user, scripted_openai):
    chat(api_client, user, "Hello")

    tools = scripted_openai.requests[0]["tools"]
    assert {tool["function"]["name"] for tool in tools} == TOOL_NAMES
    for tool in tools:
        function = tool["function"]
        parameters = function["parameters"]
        assert tool["type"] == "function"
        assert function["strict"] is True
        assert parameters["type"] == "object"
        assert parameters["additionalProperties"] is False
        assert sorted(parameters["required"]) == sorted(parameters["properties"])
        assert "user_id" not in parameters["properties"]


def test_planning_arguments_and_a_batch_through_the_openai_client(
    api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI
) -> None:
    scripted_openai.script(
        tool_calls(
            ("add_task", {"title": "A", "description": None, "due": "2030-01-07", "priority": "high", "repeat": None})
        ),
        tool_calls(("add_task", {"title": "B", "description": None, "due": None, "priority": None, "repeat": None})),
        tool_calls(("complete_tasks", {"task_ids": [1, 2, 7]})),
        reply("Done."),
    )

    response = chat(api_client, user, "Add A and B, then complete them")

    assert response.status_code == 200
    calls = response.json()["tool_calls"]
    assert calls[0]["result"]["task"]["due_date"] == "2030-01-07" and calls[0]["result"]["task"]["priority"] == "high"
    batch = calls[2]["result"]
    assert (batch["succeeded"], batch["failed"]) == (2, 1)
    assert batch["results"][2]["code"] == "task_not_found"
    sent = scripted_openai.requests[3]["messages"][-1]
    assert sent["role"] == "tool" and json.loads(sent["content"]) == batch


def test_usage_is_summed_over_every_model_call(api_client, user, scripted_openai):
    scripted_openai.script(
        tool_calls(("list_tasks", {"status": "all"}), tokens=(100, 20)),
        tool_calls(("add_task", {"title": "A", "description": None}), tokens=(150, 30)),
        reply("Done.", tokens=(200, 7)),
    )

    response = chat(api_client, user, "List then add")

    assert response.status_code == 200
    assert len(scripted_openai.requests) == 3
    assert response.json()["usage"] == {"prompt_tokens": 450, "completion_tokens": 57, "total_tokens": 507}


def test_history_window_never_starts_inside_a_tool_call_group(api_client, user, scripted_openai, settings):
    # Room for about 120 tokens of history beside the system prompt, the tools, the user's
    # message and the reply reserve: a window that could cut a group of turn 1 in two (user,
    # call, result, call x2, result x2, reply).
    system = system_prompt(user_name=user.display_name, now=local_now(user))
    fixed = prompt_tokens([SystemMessage(system), UserMessage("Add B0")], TOOLS.schemas)
    settings.CHAT_CONTEXT_TOKENS = fixed + REPLY_RESERVE_TOKENS + 120
    scripted_openai.script(
        tool_calls(("add_task", {"title": "A", "description": None})),
        tool_calls(("list_tasks", {"status": "all"}), ("complete_task", {"task_id": 1})),
        reply("Added and completed A."),
    )
    conversation_id = chat(api_client, user, "Add A and complete it").json()["conversation_id"]
    assert len(stored(conversation_id)) == 7

    for turn in range(3):
        scripted_openai.script(
            tool_calls(("add_task", {"title": f"B{turn}", "description": None})),
            reply("Added."),
        )
        before, earlier = len(scripted_openai.requests), len(stored(conversation_id))
        response = chat(api_client, user, f"Add B{turn}", conversation_id)

        assert response.status_code == 200
        sent = scripted_openai.requests[before]["messages"]
        history = sent[1:-1]
        assert sent[0]["role"] == "system"
        assert sent[-1] == {"role": "user", "content": f"Add B{turn}"}
        assert 0 < len(history) < earlier
        assert estimate_tokens(typed_all(history)) <= 120
        assert history[0]["role"] != "tool"
        assert_valid_history(history)


def test_unusual_provider_output_is_stored_and_the_next_turn_works(api_client, user, scripted_openai):
    """Long ids and tool names and NUL characters come from the provider, not the user:
    they must never fail the turn (PostgreSQL stores no NUL in text or JSON)."""
    long_id = "call_" + "x" * 300
    long_name = "no_such_tool_" + "y" * 300
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": long_id, "type": "function", "function": {"name": long_name, "arguments": "{}"}},
            {
                "id": "call_nul",
                "type": "function",
                "function": {"name": "add_task", "arguments": '{"title": "nul\\u0000title", "description": null}'},
            },
        ],
    }
    scripted_openai.script(Step(body=completion(message)), reply("Done\u0000 here."), reply("Still here."))

    first = chat(api_client, user, "do odd things")
    assert first.status_code == 200
    assert [run["result"]["success"] for run in first.json()["tool_calls"]] == [False, True]
    assert list(Todo.objects.values_list("title", flat=True)) == ["nultitle"]
    messages = stored(first.json()["conversation_id"])
    assert messages[1].tool_calls[0]["id"] == long_id
    assert (messages[2].tool_call_id, messages[2].name) == (long_id, long_name)
    assert messages[-1].content == "Done here."

    second = chat(api_client, user, "and now?", conversation_id=first.json()["conversation_id"])
    assert second.status_code == 200
    assert_valid_history(scripted_openai.requests[-1]["messages"][1:])


def test_lone_surrogates_from_the_model_are_stored_and_rendered(api_client, user, scripted_openai):
    """Text that is not valid UTF-8 (a lone surrogate) in the reply or in tool arguments."""
    scripted_openai.script(
        tool_calls(("add_task", {"title": "Milk \ud83d", "description": None, "\ud83d\u0000key": "v\ud83d"})),
        reply("Added \ud83d it."),
    )

    response = chat(api_client, user, "add milk")

    assert response.status_code == 200
    assert response.json()["message"] == "Added ? it."
    assert response.json()["tool_calls"][0]["arguments"]["?key"] == "v?"
    assert list(Todo.objects.values_list("title", flat=True)) == ["Milk ?"]
    assert stored(response.json()["conversation_id"])[-1].content == "Added ? it."
