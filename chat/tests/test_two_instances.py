"""Two server processes on one database serve alternate turns of one conversation.

Everything a turn needs is in the database, so a conversation can move between instances
(behind a load balancer, turn by turn) and its history stays continuous.
"""

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from io import BufferedWriter
from pathlib import Path
from typing import Any

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from chat.models import Conversation
from chat.selectors import messages_in_order
from chat.tests.scripted_openai import ScriptedOpenAI, Step, reply, tool_calls
from chat.tests.servers import server_environment, spawn_runserver, wait_until_serving

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql,
]

REQUEST_TIMEOUT = 15.0
ADD = "add a task to "


def todo_agent(request: dict[str, Any]) -> Step:
    """The scripted model: "add a task to X" -> add_task; "show my tasks" -> list_tasks; then say what came back."""
    last = request["messages"][-1]
    if last["role"] == "tool":
        result = json.loads(last["content"])
        tasks = result["tasks"] if "tasks" in result else [result["task"]]
        return reply("Tasks: " + "; ".join(f"{task['id']} {task['title']}" for task in tasks))
    if last["content"].startswith(ADD):
        return tool_calls(("add_task", {"title": last["content"][len(ADD) :], "description": None}))
    if last["content"] == "show my tasks":
        return tool_calls(("list_tasks", {"status": "all"}))
    return reply(f"echo: {last['content']}")


def call(base_url: str, path: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - a local http:// URL
        base_url + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"},
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def instances(scripted_openai: ScriptedOpenAI, tmp_path: Path) -> Iterator[list[str]]:
    """Two `runserver` processes on the test database, both using the scripted model. Yields their base URLs."""
    scripted_openai.fallback = todo_agent
    env = server_environment(scripted_openai)
    processes: list[tuple[subprocess.Popen, str, BufferedWriter]] = []
    try:
        for name in ("a", "b"):
            log = open(tmp_path / f"server-{name}.log", "wb")  # closed in the finalizer
            process, base_url = spawn_runserver(env, log)
            processes.append((process, base_url, log))
        for process, base_url, log in processes:
            wait_until_serving(process, base_url, log.name)
        yield [base_url for _, base_url, _ in processes]
    finally:
        for process, _, _ in processes:
            process.terminate()
        for process, _, log in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            log.close()


def test_alternate_turns_on_two_instances_share_one_continuous_history(
    instances: list[str], scripted_openai: ScriptedOpenAI
) -> None:
    a, b = instances
    user = UserFactory.create()
    token = str(AccessToken.for_user(user))
    chat = f"/api/{user.pk}/chat"

    status, first = call(a, chat, token, {"message": f"{ADD}buy milk"})
    assert status == 200, first
    conversation_id = first["conversation_id"]
    turns = [
        (b, f"{ADD}walk the dog"),
        (a, "show my tasks"),
        (b, "show my tasks"),
    ]
    replies = [first]
    for base_url, message in turns:
        status, body = call(base_url, chat, token, {"message": message, "conversation_id": conversation_id})
        assert status == 200, body
        assert body["conversation_id"] == conversation_id
        replies.append(body)

    assert [body["message"] for body in replies] == [
        "Tasks: 1 buy milk",
        "Tasks: 2 walk the dog",
        "Tasks: 1 buy milk; 2 walk the dog",  # turn 3 on A lists the task added through B
        "Tasks: 1 buy milk; 2 walk the dog",
    ]
    # Turn 3 on A sent the model the whole history, including the turn B stored.
    turn_three = next(
        r["messages"] for r in scripted_openai.requests if r["messages"][-1]["content"] == "show my tasks"
    )
    assert [m["content"] for m in turn_three if m["role"] == "user"] == [
        f"{ADD}buy milk",
        f"{ADD}walk the dog",
        "show my tasks",
    ]
    assert "Tasks: 2 walk the dog" in [m["content"] for m in turn_three if m["role"] == "assistant"]

    messages = list(messages_in_order().filter(conversation_id=conversation_id))
    assert [m.position for m in messages] == list(range(16))  # 4 turns of user, call, result, answer
    assert Conversation.objects.get(pk=conversation_id).message_count == 16
    assert [(m.position, m.content) for m in messages if m.role == "user"] == [
        (0, f"{ADD}buy milk"),
        (4, f"{ADD}walk the dog"),
        (8, "show my tasks"),
        (12, "show my tasks"),
    ]
    assert [m.role for m in messages] == ["user", "assistant", "tool", "assistant"] * 4

    # Both instances show the same conversation (each links its messages on its own address).
    messages_path = f"/api/{user.pk}/conversations/{conversation_id}/messages"
    assert call(a, messages_path, token) == call(b, messages_path, token)
    status, shown_by_a = call(a, f"/api/{user.pk}/conversations/{conversation_id}", token)
    assert (status, shown_by_a["message_count"], shown_by_a["messages_url"]) == (200, 16, a + messages_path)
