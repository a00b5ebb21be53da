"""A server process killed mid-turn (SIGKILL, after a tool's step was stored, while the next
model call is in flight), and the client's retry with the same `Idempotency-Key` sent to a
fresh process: the retry continues the turn, no tool runs twice, the history is valid. The
killed process's key is free once its lease runs out (`IDEMPOTENCY_LEASE_SECONDS` after its
last heartbeat), however long the model's timeout would let one step take."""

import json
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from chat.models import IdempotentRequest, Message, TaskChange, Turn
from chat.selectors import history_for
from chat.tests.helpers import as_dicts
from chat.tests.scripted_openai import ScriptedOpenAI, Step, assert_valid_history, reply, tool_calls
from chat.tests.servers import server_environment, spawn_runserver, wait_until_serving
from todos.models import Todo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]

MESSAGE = "add milk and eggs"
# Short, so the test waits it out for real; OPENAI_TIMEOUT is 10 s (a step's bound: 70 s).
LEASE_SECONDS = 4.0


def call(base_url: str, path: str, token: str, body: dict[str, Any], *, key: str) -> tuple[int, Any]:
    """POST `body` as JSON with an `Idempotency-Key`; the status and the parsed answer."""
    request = urllib.request.Request(  # noqa: S310 - a local http:// URL
        base_url + path,
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": key,
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def start_server(scripted_openai: Any, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    log = open(log_path, "ab")  # the process inherits it; ours is closed at once
    environment = server_environment(scripted_openai, OPENAI_TIMEOUT="10", IDEMPOTENCY_LEASE_SECONDS=str(LEASE_SECONDS))
    process, base_url = spawn_runserver(environment, log)
    log.close()
    wait_until_serving(process, base_url, str(log_path))
    return process, base_url


def test_a_retry_after_the_server_was_killed_mid_turn_continues_it(
    scripted_openai: ScriptedOpenAI, tmp_path: Path
) -> None:
    slow_once = iter([3.0])

    def agent(request: dict[str, Any]) -> Step:
        """Adds Milk, then Eggs (the first time slowly: the server is killed meanwhile), then replies."""
        added = [json.loads(m["content"])["task"]["title"] for m in request["messages"] if m["role"] == "tool"]
        if "Milk" not in added:
            return tool_calls(("add_task", {"title": "Milk", "description": None}))
        if "Eggs" not in added:
            return tool_calls(("add_task", {"title": "Eggs", "description": None}), delay=next(slow_once, 0.0))
        return reply("Added milk and eggs.")

    scripted_openai.fallback = agent
    user = UserFactory.create()
    token = str(AccessToken.for_user(user))
    path = f"/api/{user.pk}/chat"
    log = tmp_path / "server.log"

    first, base_url = start_server(scripted_openai, log)
    try:
        outcome: dict[str, Any] = {}

        def send() -> None:
            try:
                outcome["response"] = call(base_url, path, token, {"message": MESSAGE}, key="kill-key")
            except OSError as error:  # the connection dies with the process
                outcome["error"] = error

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 10
        while len(scripted_openai.requests) < 2:  # the Eggs call is in flight: Milk's step is stored
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=5)
        sender.join(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=5)

    assert "response" not in outcome  # the client never got an answer
    assert list(Todo.objects.filter(owner=user).values_list("title", flat=True)) == ["Milk"]
    assert list(TaskChange.objects.values_list("action", "number")) == [("add", 1)]

    last_beat = IdempotentRequest.objects.get(owner=user).lease_renewed_at
    free_at = last_beat + timedelta(seconds=LEASE_SECONDS)
    second, base_url = start_server(scripted_openai, log)
    try:
        # The dead process's lease holds until it runs out: in progress, retry later.
        while True:
            asked = timezone.now()
            status, body = call(base_url, path, token, {"message": MESSAGE}, key="kill-key")
            if status != 409:
                break
            assert body["code"] == "request_in_progress"
            assert asked < free_at + timedelta(seconds=3), "the killed process's key was never freed"
            time.sleep(0.25)
    finally:
        second.terminate()
        second.wait(timeout=10)

    assert asked >= free_at - timedelta(seconds=0.5)  # not taken over while the lease held
    assert status == 200, body
    assert body["message"] == "Added milk and eggs."
    assert [c["result"]["task"]["title"] for c in body["tool_calls"]] == ["Milk", "Eggs"]
    assert list(Todo.objects.filter(owner=user).order_by("number").values_list("title", flat=True)) == [
        "Milk",
        "Eggs",
    ]
    assert list(TaskChange.objects.order_by("id").values_list("action", "number")) == [("add", 1), ("add", 2)]
    turn = Turn.objects.get(conversation__owner=user)
    assert turn.status == "completed"
    roles = list(Message.objects.filter(turn=turn).values_list("role", flat=True))
    assert roles == ["user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert_valid_history(as_dicts(history_for(conversation=turn.conversation, budget=1_000_000)))
