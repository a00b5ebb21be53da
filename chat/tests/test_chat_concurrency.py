"""Chat turns posted at once, through the HTTP endpoint (needs real row locks: PostgreSQL).

Each turn asks the scripted model to "add a task to item N": the model calls add_task, reads
the result and answers naming it, so every stored message says which turn it belongs to.
"""

import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
from django.db import connections
from pytest_django import Settings

from accounts.models import User
from accounts.tests.factories import UserFactory
from chat.models import Conversation
from chat.selectors import messages_in_order
from chat.tests.helpers import chat_url
from chat.tests.scripted_openai import ScriptedOpenAI, Step, reply, tool_calls
from conftest import client_for
from todos.models import Todo

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql,
]

TURNS = 16
DELAY = 0.03  # each model answer takes a moment, so the turns really overlap
PREFIX = "add a task to "


def add_task_agent(request: dict[str, Any]) -> Step:
    """The scripted model: "add a task to X" -> add_task(X); a tool result -> "Added <title>."."""
    last = request["messages"][-1]
    if last["role"] == "tool":
        task = json.loads(last["content"])["task"]
        return reply(f"Added {task['title']} as task {task['id']}.", delay=DELAY)
    if last["role"] == "user" and last["content"].startswith(PREFIX):
        title = last["content"][len(PREFIX) :]
        return tool_calls(("add_task", {"title": title, "description": None}), delay=DELAY)
    return reply(f"echo: {last['content']}", delay=DELAY)


def post_all_at_once(user: User, bodies: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """POST every body to the chat endpoint from its own thread, all starting together."""
    barrier = Barrier(len(bodies))

    def post(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        client = client_for(user)
        try:
            barrier.wait(timeout=10)
            response = client.post(chat_url(user), body, format="json")
            return response.status_code, response.json()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def test_parallel_turns_of_one_conversation_are_stored_contiguously_and_in_order(
    scripted_openai: ScriptedOpenAI, settings: Settings
) -> None:
    scripted_openai.fallback = add_task_agent
    settings.CHAT_CONTEXT_TOKENS = 1_000_000  # every turn sees the whole conversation stored so far
    user = UserFactory.create()
    first = client_for(user).post(chat_url(user), {"message": "hello"}, format="json")
    assert first.status_code == 200
    conversation_id = first.json()["conversation_id"]

    results = post_all_at_once(
        user, [{"message": f"{PREFIX}item {index}", "conversation_id": conversation_id} for index in range(TURNS)]
    )

    assert [status for status, _ in results] == [200] * TURNS
    for index, (_, body) in enumerate(results):
        assert body["conversation_id"] == conversation_id
        assert body["message"].startswith(f"Added item {index} as task ")

    messages = list(messages_in_order().filter(conversation_id=conversation_id))
    # The first turn (user, assistant), then each add turn: user, assistant tool call, tool, assistant.
    assert len(messages) == 2 + 4 * TURNS
    assert [message.position for message in messages] == list(range(len(messages)))
    assert Conversation.objects.get(pk=conversation_id).message_count == len(messages)
    assert [(message.role, message.content) for message in messages[:2]] == [
        ("user", "hello"),
        ("assistant", "echo: hello"),
    ]

    seen = []
    for start in range(2, len(messages), 4):
        user_message, call, result, answer = messages[start : start + 4]
        assert user_message.role == "user"
        assert user_message.content.startswith(f"{PREFIX}item ")
        title = user_message.content[len(PREFIX) :]
        seen.append(title)
        assert call.role == "assistant"
        assert call.tool_calls is not None
        assert [json.loads(c["function"]["arguments"])["title"] for c in call.tool_calls] == [title]
        assert result.role == "tool"
        assert result.tool_call_id == call.tool_calls[0]["id"]
        assert json.loads(result.content)["task"]["title"] == title
        assert answer.role == "assistant"
        assert answer.content.startswith(f"Added {title} as task ")
    assert sorted(seen) == sorted(f"item {index}" for index in range(TURNS))

    # The turns really overlapped: run one after another, the model would be called for a
    # turn's message, then its tool result, then the next turn's message ...; here a turn called
    # it while another was between its two calls.
    kinds = [request["messages"][-1]["role"] for request in scripted_openai.requests[1:]]
    assert kinds.count("user") == kinds.count("tool") == TURNS
    assert any(first == second == "user" for first, second in itertools.pairwise(kinds))


@pytest.mark.parametrize("backend", ["scripted", "offline"])
def test_parallel_add_task_turns_of_one_user_get_distinct_task_numbers(
    request: pytest.FixtureRequest, settings: Settings, backend: str
) -> None:
    if backend == "scripted":
        request.getfixturevalue("scripted_openai").fallback = add_task_agent
    else:
        settings.AGENT_BACKEND = "offline"
    user = UserFactory.create()

    results = post_all_at_once(user, [{"message": f"{PREFIX}Errand {index}"} for index in range(TURNS)])

    assert [status for status, _ in results] == [200] * TURNS
    numbers = {}
    for index, (_, body) in enumerate(results):
        [run] = body["tool_calls"]
        assert run["tool_name"] == "add_task"
        assert run["result"]["success"] is True
        assert run["result"]["task"]["title"] == f"Errand {index}"
        numbers[f"Errand {index}"] = run["result"]["task"]["id"]
    assert sorted(numbers.values()) == list(range(1, TURNS + 1))
    assert dict(Todo.objects.filter(owner=user).values_list("title", "number")) == numbers
    # Each turn started its own conversation.
    assert Conversation.objects.filter(owner=user).count() == TURNS
    assert set(Conversation.objects.filter(owner=user).values_list("message_count", flat=True)) == {4}
