"""The chat's event stream read by the Vercel AI SDK's own client (`ai` in `ai_sdk/`, run by
`ai_sdk/read_stream.mjs`): `DefaultChatTransport` checks every chunk against the SDK's schema
and `readUIMessageStream` folds them into the assistant message, as `useChat` would.

`.ci/run` installs the package (`npm ci` in `chat/tests/ai_sdk`); without node or it, skipped."""

import json
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from chat.agent.events import (
    Event,
    StepFinished,
    StepStarted,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnFailed,
    TurnStarted,
    told_again,
)
from chat.agent.messages import Usage, parse_result
from chat.models import Conversation
from chat.tests.helpers import turn_finished
from chat.ui_message_stream import HEADERS, encode
from todos.models import Todo

AI_SDK = Path(__file__).parent / "ai_sdk"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None or not (AI_SDK / "node_modules" / "ai").is_dir(),
    reason="needs node and the AI SDK: `npm ci` in chat/tests/ai_sdk (.ci/run does it)",
)


def read_stream(url: str, message: str, *, token: str, conversation_id: object = None) -> dict[str, Any]:
    """Send `message` through the SDK's client; its `message` (the assistant's UI message, or
    None) and the `errors` it raised, a chunk its schema rejects included."""
    command = [str(NODE), "read_stream.mjs", url, message]
    if conversation_id is not None:
        command.append(str(conversation_id))
    done = subprocess.run(  # noqa: S603 - node, our script, our arguments
        command, cwd=AI_SDK, env={**os.environ, "CHAT_TOKEN": token}, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    read: dict[str, Any] = json.loads(done.stdout)
    return read


def assert_ui_message_stream(response: dict[str, Any]) -> None:
    """What the SDK's client does not check but a custom backend must send (its docs), and
    proxies need to pass the events on as they come."""
    assert response["status"] == 200
    headers = response["headers"]
    assert headers["content-type"].split(";")[0] == "text/event-stream"
    assert headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert headers["cache-control"] == "no-cache"
    assert headers["x-accel-buffering"] == "no"


def parts_of(message: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [part for part in message["parts"] if part["type"] == type_]


# The endpoint, end to end.


def test_the_sdk_reads_a_turn_and_its_continuation_from_the_chat_endpoint(
    live_server: LiveServer, transactional_db: None
) -> None:
    user = UserFactory.create()
    url, token = f"{live_server.url}/api/{user.pk}/chat", str(AccessToken.for_user(user))

    first = read_stream(url, "add a task to buy milk", token=token)

    assert first["errors"] == []
    assert_ui_message_stream(first["response"])
    message = first["message"]
    conversation = Conversation.objects.get(owner=user)
    assert message["role"] == "assistant"
    assert message["metadata"]["conversation_id"] == str(conversation.pk)
    [added] = parts_of(message, "tool-add_task")
    assert added["state"] == "output-available"
    assert added["input"]["title"] == "Buy milk"
    assert added["output"]["success"] is True and added["output"]["task"]["title"] == "Buy milk"
    assert parts_of(message, "step-start")
    reply = conversation.messages.filter(role="assistant").order_by("turn", "step").last()
    assert reply is not None and reply.content
    assert [part["text"] for part in parts_of(message, "text")] == [reply.content]
    assert all(part["state"] == "done" for part in parts_of(message, "text"))
    assert list(Todo.objects.filter(owner=user).values_list("title", "completed")) == [("Buy milk", False)]
    assert list(conversation.messages.order_by("turn", "step", "pk").values_list("role", flat=True)) == [
        "user",
        "assistant",
        "tool",
        "assistant",
    ]
    earliest = conversation.messages.first()
    assert earliest is not None
    assert earliest.content == "add a task to buy milk"

    second = read_stream(url, "mark it as done", token=token, conversation_id=conversation.pk)

    assert second["errors"] == []
    assert second["message"]["metadata"]["conversation_id"] == str(conversation.pk)
    [completed] = parts_of(second["message"], "tool-complete_task")
    assert completed["state"] == "output-available"
    assert completed["output"]["task"]["completed"] is True
    assert list(Todo.objects.filter(owner=user).values_list("title", "completed")) == [("Buy milk", True)]
    assert Conversation.objects.filter(owner=user).count() == 1
    assert conversation.turns.count() == 2
    assert conversation.messages.filter(role="user").count() == 2


def test_an_error_before_the_stream_starts_reaches_the_sdk_as_its_json_body(
    live_server: LiveServer, transactional_db: None
) -> None:
    user = UserFactory.create()
    url, token = f"{live_server.url}/api/{user.pk}/chat", str(AccessToken.for_user(user))

    read = read_stream(url, "mark it as done", token=token, conversation_id=uuid.uuid4())

    assert read["message"] is None
    assert read["response"]["status"] == 404
    [error] = read["errors"]
    assert json.loads(error["message"])["code"] == "conversation_not_found"


# Every shape the encoder makes, served as it is: what the SDK makes of a failure and a replay.


class EncodedTurn(ThreadingHTTPServer):
    """Answers each POST with `encode(events)`, and keeps the requests it got."""

    events: list[Event]
    requests: list[tuple[dict[str, str], dict[str, Any]]]


class EncodedTurnHandler(BaseHTTPRequestHandler):
    server: EncodedTurn

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(({key.lower(): value for key, value in self.headers.items()}, body))
        self.send_response(200)
        for name, value in HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        for piece in encode(self.server.events):
            self.wfile.write(piece)
            self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def encoded_turn() -> Iterator[EncodedTurn]:
    server = EncodedTurn(("127.0.0.1", 0), EncodedTurnHandler)
    server.events, server.requests = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url_of(server: EncodedTurn) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/api/me/chat"


CONVERSATION = uuid.uuid4()
ADDED = {"success": True, "task": {"id": 1, "title": "Buy milk", "description": "", "completed": False}}
NOT_FOUND = {"success": False, "error": "Task 7 not found.", "code": "task_not_found", "task_id": 7}


def test_the_sdk_posts_the_message_and_the_conversation_with_the_token(encoded_turn: EncodedTurn) -> None:
    encoded_turn.events = [TurnStarted(conversation_id=CONVERSATION, turn_id=1)]

    read_stream(url_of(encoded_turn), "add a task “buy milk”", token="a.jwt", conversation_id=CONVERSATION)

    [(headers, body)] = encoded_turn.requests
    assert body == {"message": "add a task “buy milk”", "conversation_id": str(CONVERSATION)}
    assert headers["authorization"] == "Bearer a.jwt"
    assert headers["accept"] == "text/event-stream"
    assert headers["content-type"] == "application/json"


def test_the_sdk_reads_every_chunk_of_a_turn(encoded_turn: EncodedTurn) -> None:
    encoded_turn.events = [
        TurnStarted(conversation_id=CONVERSATION, turn_id=3),
        StepStarted(),
        TextDelta("Let me see. "),
        ToolCallStarted(call_id="call_1", tool_name="add_task", arguments={"title": "Buy milk"}),
        ToolCallStarted(call_id="call_2", tool_name="complete_task", arguments={"task_id": 7}),
        ToolCallFinished(call_id="call_1", tool_name="add_task", result=parse_result(ADDED)),
        ToolCallFinished(call_id="call_2", tool_name="complete_task", result=parse_result(NOT_FOUND)),
        StepFinished(),
        StepStarted(),
        TextDelta("Added “Buy milk”; "),
        TextDelta("there is no task 7."),
        StepFinished(),
        turn_finished(
            conversation_id=CONVERSATION,
            reply="Added “Buy milk”; there is no task 7.",
            tool_calls=[],
            usage=Usage(prompt_tokens=10, completion_tokens=5, total_tokens=15),
        ),
    ]

    read = read_stream(url_of(encoded_turn), "add buy milk and complete 7", token="t")

    assert read["errors"] == []
    assert_ui_message_stream(read["response"])
    message = read["message"]
    assert [part["type"] for part in message["parts"]] == [
        "step-start",
        "text",
        "tool-add_task",
        "tool-complete_task",
        "step-start",
        "text",
    ]
    first, added, failed, _, reply = message["parts"][1:]
    assert first == {"type": "text", "text": "Let me see. ", "state": "done"}
    assert (added["toolCallId"], added["state"], added["input"], added["output"]) == (
        "call_1",
        "output-available",
        {"title": "Buy milk"},
        ADDED,
    )
    assert (failed["state"], failed["input"], failed["output"]) == ("output-available", {"task_id": 7}, NOT_FOUND)
    assert reply == {"type": "text", "text": "Added “Buy milk”; there is no task 7.", "state": "done"}
    assert message["metadata"] == {
        "conversation_id": str(CONVERSATION),
        "turn_id": 3,
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def test_the_sdk_reads_a_failed_turn_as_its_error_with_the_body_in_the_metadata(encoded_turn: EncodedTurn) -> None:
    body = {"detail": "The model provider timed out.", "code": "model_timeout", "conversation_id": str(CONVERSATION)}
    encoded_turn.events = [
        TurnStarted(conversation_id=CONVERSATION, turn_id=2),
        StepStarted(),
        TextDelta("Work"),
        TurnFailed(status_code=504, body=body),
    ]

    read = read_stream(url_of(encoded_turn), "list my tasks", token="t")

    assert read["errors"] == [{"name": "Error", "message": "The model provider timed out."}]
    assert read["message"]["metadata"] == {
        "conversation_id": str(CONVERSATION),
        "turn_id": 2,
        "error": {"status": 504, **body},
    }
    assert read["message"]["parts"] == [{"type": "step-start"}, {"type": "text", "text": "Work", "state": "done"}]


def test_the_sdk_reads_a_turn_answered_from_its_record(encoded_turn: EncodedTurn) -> None:
    calls = [{"tool_name": "add_task", "arguments": {"title": "Buy milk"}, "result": ADDED}]
    finished = turn_finished(conversation_id=CONVERSATION, reply="Added task 1.", tool_calls=calls)
    encoded_turn.events = [
        TurnStarted(conversation_id=CONVERSATION, turn_id=5),
        *told_again(tool_runs=finished.result.tool_runs, reply="Added task 1."),
        finished,
    ]

    read = read_stream(url_of(encoded_turn), "add buy milk", token="t")

    assert read["errors"] == []
    step, added, second_step, reply = read["message"]["parts"]
    assert step == second_step == {"type": "step-start"}
    assert (added["type"], added["state"], added["input"], added["output"]) == (
        "tool-add_task",
        "output-available",
        {"title": "Buy milk"},
        ADDED,
    )
    assert reply["text"] == "Added task 1."


class BadChunk(BaseHTTPRequestHandler):
    """Answers with a chunk the schema rejects: a tool output without its `toolCallId`."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'data: {"type":"start"}\n\ndata: {"type":"tool-output-available","output":{}}\n\n')

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_chunk_the_sdk_rejects_is_an_error(encoded_turn: EncodedTurn) -> None:
    """What makes the tests above mean something: the client does check every chunk."""
    encoded_turn.RequestHandlerClass = BadChunk

    read = read_stream(url_of(encoded_turn), "hi", token="t")

    assert [error["name"] for error in read["errors"]] == ["AI_TypeValidationError"]
