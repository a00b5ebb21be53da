"""Provider faults on the OpenAI path (real SDK over HTTP to a scripted server): the status
and body the client gets, what is stored, and that the conversation can go on."""

from collections.abc import Callable
from typing import Any

import pytest
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import User
from chat.models import Conversation
from chat.selectors import messages_in_order
from chat.tests.helpers import chat, free_port
from chat.tests.scripted_openai import (
    ScriptedOpenAI,
    Step,
    assert_valid_history,
    error,
    rate_limited,
    reply,
    tool_calls,
)
from todos.models import Todo

pytestmark = pytest.mark.django_db

HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>"


def stored(conversation_id: str) -> list[tuple[str, str]]:
    return list(
        messages_in_order().filter(conversation_id=conversation_id).values_list("role", "content")
    )


def rate_limited_forever(server: ScriptedOpenAI, settings: Settings) -> None:
    server.fallback = lambda request: rate_limited()


def server_error_forever(server: ScriptedOpenAI, settings: Settings) -> None:
    settings.OPENAI_MAX_RETRIES = 0
    server.fallback = lambda request: error(500)


def too_slow(server: ScriptedOpenAI, settings: Settings) -> None:
    settings.OPENAI_TIMEOUT = 0.3
    settings.OPENAI_MAX_RETRIES = 0
    server.script(reply("Too late.", delay=1.0))


def connection_refused(server: ScriptedOpenAI, settings: Settings) -> None:
    settings.OPENAI_MAX_RETRIES = 0
    settings.OPENAI_BASE_URL = f"http://127.0.0.1:{free_port()}/v1"


def html_body(server: ScriptedOpenAI, settings: Settings) -> None:
    settings.OPENAI_MAX_RETRIES = 0
    server.script(Step(body=HTML, content_type="text/html"))


def html_body_labelled_json(server: ScriptedOpenAI, settings: Settings) -> None:
    settings.OPENAI_MAX_RETRIES = 0
    server.script(Step(body=HTML, content_type="application/json"))


Setup = Callable[[ScriptedOpenAI, Any], None]

FAULTS = [
    # (set-up, status, code, requests the server received: the SDK's tries)
    pytest.param(rate_limited_forever, 503, "model_rate_limited", 3, id="429-forever"),
    pytest.param(server_error_forever, 502, "model_error", 1, id="500-forever"),
    pytest.param(too_slow, 504, "model_timeout", 1, id="timeout"),
    pytest.param(connection_refused, 503, "model_unavailable", 0, id="connection-refused"),
    pytest.param(html_body, 502, "model_error", 1, id="200-text-html"),
    pytest.param(html_body_labelled_json, 502, "model_error", 1, id="200-html-as-json"),
]


@pytest.mark.parametrize(("setup", "status", "code", "tries"), FAULTS)
def test_fault_is_reported_and_the_conversation_goes_on(
    api_client: APIClient,
    user: User,
    scripted_openai: ScriptedOpenAI,
    settings: Settings,
    setup: Setup,
    status: int,
    code: str,
    tries: int,
) -> None:
    setup(scripted_openai, settings)

    response = chat(api_client, user, "Add buy milk")

    assert response.status_code == status
    body = response.json()
    assert set(body) == {"detail", "code", "conversation_id"}
    assert body["detail"]
    assert body["code"] == code
    assert len(scripted_openai.requests) == tries
    assert stored(body["conversation_id"]) == [("user", "Add buy milk")]

    settings.OPENAI_BASE_URL = scripted_openai.base_url
    scripted_openai.fallback = lambda request: reply("OK")
    scripted_openai.script(reply("Back again."))
    again = chat(api_client, user, "Try again", body["conversation_id"])

    assert again.status_code == 200
    assert again.json()["message"] == "Back again."
    assert again.json()["conversation_id"] == body["conversation_id"]
    sent = scripted_openai.requests[-1]["messages"]
    assert [(m["role"], m["content"]) for m in sent[1:]] == [("user", "Add buy milk"), ("user", "Try again")]
    assert stored(body["conversation_id"]) == [
        ("user", "Add buy milk"),
        ("user", "Try again"),
        ("assistant", "Back again."),
    ]


def test_rate_limit_then_success_is_retried(api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI) -> None:
    scripted_openai.script(rate_limited(), reply("Hello!"))

    response = chat(api_client, user, "Hi")

    assert response.status_code == 200
    assert response.json()["message"] == "Hello!"
    assert len(scripted_openai.requests) == 2
    assert scripted_openai.requests[0] == scripted_openai.requests[1]
    assert stored(response.json()["conversation_id"]) == [("user", "Hi"), ("assistant", "Hello!")]


def test_failure_after_a_tool_ran_keeps_the_call_and_its_result(
    api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI, settings: Settings
) -> None:
    settings.OPENAI_MAX_RETRIES = 0
    step = tool_calls(("add_task", {"title": "Buy milk", "description": None}))
    [call_id] = [call["id"] for call in step.body["choices"][0]["message"]["tool_calls"]]
    scripted_openai.script(step)
    scripted_openai.fallback = lambda request: error(500)

    response = chat(api_client, user, "Add buy milk")

    assert response.status_code == 502
    body = response.json()
    assert set(body) == {"detail", "code", "conversation_id"}
    assert list(Todo.objects.filter(owner=user).values_list("title", flat=True)) == ["Buy milk"]
    messages = list(messages_in_order().filter(conversation_id=body["conversation_id"]))
    assert [(m.position, m.role) for m in messages] == [(0, "user"), (1, "assistant"), (2, "tool")]
    assert messages[1].tool_calls is not None
    assert [call["id"] for call in messages[1].tool_calls] == [call_id]
    assert messages[2].tool_call_id == call_id
    assert '"success": true' in messages[2].content
    assert all(body["detail"] not in m.content for m in messages)

    scripted_openai.script(reply("Your task is added."))
    again = chat(api_client, user, "Did it work?", body["conversation_id"])

    assert again.status_code == 200
    sent = scripted_openai.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "user"]
    assert sent[3]["tool_call_id"] == call_id
    assert_valid_history(sent)
    assert Todo.objects.filter(owner=user).count() == 1


def test_failed_new_conversation_still_exists_with_the_users_message(
    api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI, settings: Settings
) -> None:
    settings.OPENAI_MAX_RETRIES = 0
    scripted_openai.fallback = lambda request: error(500)

    response = chat(api_client, user, "Plan my week")

    assert response.status_code == 502
    conversation = Conversation.objects.get(pk=response.json()["conversation_id"])
    assert conversation.owner == user
    assert stored(str(conversation.pk)) == [("user", "Plan my week")]
    listed = api_client.get(f"/api/{user.id}/conversations").json()
    assert str(conversation.pk) in str(listed)


def test_a_body_that_is_not_utf8_after_a_tool_ran_is_502_and_the_tool_run_is_kept(
    api_client: APIClient, user: User, scripted_openai: ScriptedOpenAI
) -> None:
    scripted_openai.script(
        tool_calls(("add_task", {"title": "Milk", "description": None})),
        Step(body=b'{"id": "\xff\xfe"}', content_type="application/json"),
    )

    response = api_client.post(f"/api/{user.pk}/chat", {"message": "add milk"}, format="json")

    assert response.status_code == 502
    assert list(Todo.objects.filter(owner=user).values_list("title", flat=True)) == ["Milk"]
    conversation = Conversation.objects.get(pk=response.json()["conversation_id"])
    assert [m.role for m in messages_in_order().filter(conversation=conversation)] == ["user", "assistant", "tool"]
