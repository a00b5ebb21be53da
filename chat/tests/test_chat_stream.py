"""`POST /api/<user_id>/chat` with `Accept: text/event-stream`: the turn as the Vercel AI SDK's
UI message stream, parsed event by event; stored exactly as the JSON path stores it.

(The SDK's own client reads the stream in `test_stream_ai_sdk.py`; streaming as it happens,
under ASGI, is in `test_asgi_serving.py`.)"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from rest_framework.test import APIClient

from accounts.models import User
from chat.models import Conversation, Message
from chat.selectors import messages_in_order
from chat.tests.helpers import chat, parse_sse
from chat.tests.helpers import chunk_types as types
from chat.tests.scripted_openai import ScriptedOpenAI, Step, error, reply, tool_calls
from todos.models import Todo

pytestmark = pytest.mark.django_db

STREAM = {"HTTP_ACCEPT": "text/event-stream"}
ADD_MILK = ("add_task", {"title": "Buy milk", "description": None})


def events(response: HttpResponseBase) -> list[Any]:
    """The stream's events, in order: each `data:` line's JSON, and "[DONE]" as it is."""
    assert response["Content-Type"] == "text/event-stream"
    assert isinstance(response, StreamingHttpResponse)
    content = response.streaming_content
    assert isinstance(content, Iterator)  # WSGI: not an async iterator
    return parse_sse(b"".join(content))


def stored_rows(conversation_id: str) -> list[tuple[str, str]]:
    rows = messages_in_order().filter(conversation_id=conversation_id)
    return [(row.role, row.content) for row in rows]


def test_a_turn_streams_its_steps_tool_calls_text_and_end(
    api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI
) -> None:
    scripted_openai.script(tool_calls(ADD_MILK, tokens=(100, 20)), reply("Added Buy milk.", tokens=(150, 12)))

    response = chat(api_client, user, "add milk", **STREAM)

    assert response.status_code == 200
    assert response["X-Vercel-AI-UI-Message-Stream"] == "v1"
    stream = events(response)
    assert types(stream) == [
        "start",
        "start-step",
        "tool-input-start",
        "tool-input-available",
        "tool-output-available",
        "finish-step",
        "start-step",
        "text-start",
        *["text-delta"] * 3,
        "text-end",
        "finish-step",
        "finish",
        "[DONE]",
    ]
    conversation = Conversation.objects.get(owner=user)
    assert stream[0]["messageMetadata"]["conversation_id"] == str(conversation.pk)
    call = stream[3]
    assert (call["toolName"], call["input"]) == ("add_task", {"title": "Buy milk", "description": None})
    output = stream[4]
    assert output["toolCallId"] == call["toolCallId"]
    assert output["output"]["task"]["title"] == "Buy milk"
    assert "".join(event["delta"] for event in stream if event != "[DONE]" and event["type"] == "text-delta") == (
        "Added Buy milk."
    )
    assert stream[-2]["messageMetadata"] == {
        "conversation_id": str(conversation.pk),
        "usage": {"prompt_tokens": 250, "completion_tokens": 32, "total_tokens": 282},
    }


def test_the_provider_is_asked_to_stream_whichever_way_the_turn_is_answered(
    api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI
) -> None:
    """Whether the reply's text goes out in pieces is the response's choice (SSE or JSON), made
    where events are encoded: the model client always streams, so both bodies are the same."""
    chat(api_client, user, "hi", **STREAM)
    chat(api_client, user, "hi again")

    streamed, plain = scripted_openai.requests
    assert (streamed["stream"], streamed["stream_options"]) == (True, {"include_usage": True})
    assert (plain["stream"], plain["stream_options"]) == (True, {"include_usage": True})


def test_a_streamed_turn_is_stored_exactly_as_a_json_turn(
    api_client: APIClient, user: User, other_user: User, scripted_openai: ScriptedOpenAI
) -> None:
    from conftest import client_for

    scripted_openai.script(tool_calls(ADD_MILK), reply("Added."), tool_calls(ADD_MILK), reply("Added."))
    streamed = events(chat(api_client, user, "add milk", **STREAM))[0]["messageMetadata"]["conversation_id"]
    answered = chat(client_for(other_user), other_user, "add milk").json()["conversation_id"]

    def shape(conversation_id: str) -> list[tuple[str, str]]:
        # The task's timestamps differ; everything else is the same.
        return [
            (role, content if role != "tool" else json.loads(content)["task"]["title"])
            for role, content in stored_rows(conversation_id)
        ]

    assert shape(streamed) == shape(answered)
    assert Todo.objects.filter(owner=user).count() == Todo.objects.filter(owner=other_user).count() == 1


def test_the_offline_agent_streams_its_reply_in_pieces(api_client: APIClient, user: User) -> None:
    stream = events(chat(api_client, user, "add a task to buy bread", **STREAM))

    deltas = [event["delta"] for event in stream if event != "[DONE]" and event["type"] == "text-delta"]
    assert len(deltas) > 1
    assert "".join(deltas) == Message.objects.filter(role="assistant").exclude(content="").get().content
    assert Todo.objects.get(owner=user).title == "Buy bread"


def test_a_streamed_turn_continues_a_conversation(
    api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI
) -> None:
    first = events(chat(api_client, user, "hello", **STREAM))[0]["messageMetadata"]["conversation_id"]

    second = events(chat(api_client, user, "again", first, **STREAM))

    assert second[0]["messageMetadata"]["conversation_id"] == first
    assert [role for role, _ in stored_rows(first)] == ["user", "assistant", "user", "assistant"]


# --- errors: before the stream starts they are JSON with their status; after, its last events ---


def test_an_invalid_request_is_answered_as_json_before_any_stream(api_client: APIClient, user: User) -> None:
    response = chat(api_client, user, "", **STREAM)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "message" in response.json()


def test_an_unknown_conversation_is_a_json_404(api_client: APIClient, user: User) -> None:
    response = chat(api_client, user, "hi", "00000000-0000-0000-0000-000000000000", **STREAM)

    assert (response.status_code, response.json()["code"]) == (404, "conversation_not_found")
    assert not Message.objects.exists()


def test_a_provider_failure_mid_turn_ends_the_stream_with_its_error_and_keeps_the_step(
    api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI
) -> None:
    scripted_openai.script(tool_calls(ADD_MILK), error(400, "bad request"))

    stream = events(chat(api_client, user, "add milk", **STREAM))

    assert types(stream)[-4:] == ["message-metadata", "error", "finish", "[DONE]"]
    failure = stream[-4]["messageMetadata"]
    conversation = Conversation.objects.get(owner=user)
    assert failure["conversation_id"] == str(conversation.pk)
    assert (failure["error"]["status"], failure["error"]["code"]) == (502, "model_error")
    assert stream[-3]["errorText"] == failure["error"]["detail"]
    assert "tool-output-available" in types(stream)
    assert Todo.objects.get(owner=user).title == "Buy milk"  # the stored step stays


def test_a_repeat_with_the_same_key_streams_the_stored_turn_and_runs_nothing_again(
    api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI
) -> None:
    scripted_openai.script(tool_calls(ADD_MILK), reply("Added."))
    first = events(chat(api_client, user, "add milk", key="stream-key", **STREAM))

    again = events(chat(api_client, user, "add milk", key="stream-key", **STREAM))

    assert len(scripted_openai.requests) == 2
    assert Todo.objects.filter(owner=user).count() == 1
    outputs = [event["output"] for event in again if event != "[DONE]" and event["type"] == "tool-output-available"]
    assert outputs == [
        event["output"] for event in first if event != "[DONE]" and event["type"] == "tool-output-available"
    ]
    assert "".join(event["delta"] for event in again if event != "[DONE]" and event["type"] == "text-delta") == "Added."
    assert again[0]["messageMetadata"]["conversation_id"] == first[0]["messageMetadata"]["conversation_id"]


def test_json_stays_the_default(api_client: APIClient, user: User) -> None:
    response = chat(api_client, user, "hello")

    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"conversation_id", "message", "tool_calls", "usage"}


# --- the provider's stream, put together -----------------------------------------------------


def sse(*chunks: dict[str, Any], done: bool = True) -> str:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "m"}
    lines = [f"data: {json.dumps({**base, **chunk})}\n\n" for chunk in chunks]
    return "".join(lines) + ("data: [DONE]\n\n" if done else "")


def call_delta(call_id: str, arguments: str, finish: str | None = None) -> dict[str, Any]:
    """A whole tool call in one chunk, at index 0 (as Ollama sends every call)."""
    call = {"index": 0, "id": call_id, "type": "function", "function": {"name": "add_task", "arguments": arguments}}
    return {"choices": [{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": finish}]}


def test_calls_streamed_at_one_index_with_their_own_ids_stay_apart(
    api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI
) -> None:
    scripted_openai.script(
        Step(
            body=sse(
                call_delta("call_a", '{"title": "Milk", "description": null}'),
                call_delta("call_b", '{"title": "Eggs", "description": null}', finish="tool_calls"),
            ),
            content_type="text/event-stream",
        ),
        reply("Added both."),
    )

    events(chat(api_client, user, "add milk and eggs", **STREAM))

    assert sorted(Todo.objects.filter(owner=user).values_list("title", flat=True)) == ["Eggs", "Milk"]


def test_a_provider_stream_cut_before_its_end_is_an_error_not_a_reply(
    api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI
) -> None:
    text = {"choices": [{"index": 0, "delta": {"content": "Added ta"}, "finish_reason": None}]}
    scripted_openai.script(Step(body=sse(text, done=False), content_type="text/event-stream"))

    stream = events(chat(api_client, user, "add milk", **STREAM))

    assert types(stream)[-4:] == ["message-metadata", "error", "finish", "[DONE]"]
    assert stream[-4]["messageMetadata"]["error"]["code"] == "model_error"
    assert not Message.objects.filter(role="assistant").exists()  # the cut reply is not stored
