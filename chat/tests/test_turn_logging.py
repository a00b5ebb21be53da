"""One structured log line per chat turn on the "chat.turn" logger, and no secrets in any log."""

import json
import logging

import pytest
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import User
from chat.tests.helpers import chat
from chat.tests.scripted_openai import ScriptedOpenAI, Step, error, rate_limited, reply, tool_calls

pytestmark = pytest.mark.django_db

API_KEY = "sk-test-key"  # what the scripted_openai fixture sets as settings.OPENAI_API_KEY
MESSAGE = "please add a task to water the ferns"
REPLY = "Added task 1, water the ferns."


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record of every logger, from DEBUG up (the SDK's and the HTTP client's included)."""
    caplog.set_level(logging.DEBUG)
    return caplog


def turn_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    records = [record for record in caplog.records if record.name == "chat.turn"]
    assert all(record.levelno == logging.INFO for record in records)
    return [json.loads(record.getMessage()) for record in records]


def script_add_task(server: ScriptedOpenAI) -> None:
    server.script(
        tool_calls(("add_task", {"title": "water the ferns", "description": None}), tokens=(11, 3), delay=0.05),
        reply(REPLY, tokens=(7, 2)),
    )


def test_one_line_per_turn_with_what_happened(
    scripted_openai: ScriptedOpenAI,
    logs: pytest.LogCaptureFixture,
    settings: Settings,
    user: User,
    api_client: APIClient,
) -> None:
    settings.CHAT_LOG_CONTENT = False
    script_add_task(scripted_openai)

    response = chat(api_client, user, MESSAGE)

    assert response.status_code == 200
    [line] = turn_lines(logs)
    latency = line.pop("latency_ms")
    assert isinstance(latency, int | float)
    assert 50 <= latency < 10_000
    assert line == {
        "event": "chat_turn",
        "conversation_id": response.json()["conversation_id"],
        "user_id": str(user.pk),
        "backend": "openai",
        "model": "scripted-model",
        "model_calls": 2,
        "tools": ["add_task"],
        "prompt_tokens": 18,
        "completion_tokens": 5,
        "total_tokens": 23,
        "outcome": "ok",
    }


def test_the_message_and_reply_are_logged_only_when_asked(
    scripted_openai: ScriptedOpenAI,
    logs: pytest.LogCaptureFixture,
    settings: Settings,
    user: User,
    api_client: APIClient,
) -> None:
    settings.CHAT_LOG_CONTENT = False
    script_add_task(scripted_openai)
    chat(api_client, user, MESSAGE)
    # Not in the turn's line, and not anywhere else in the logs either.
    assert MESSAGE not in logs.text
    assert REPLY not in logs.text
    assert "water the ferns" not in logs.text

    logs.clear()
    settings.CHAT_LOG_CONTENT = True
    script_add_task(scripted_openai)
    chat(api_client, user, MESSAGE)

    [line] = turn_lines(logs)
    assert (line["message"], line["reply"]) == (MESSAGE, REPLY)


def test_each_turn_of_a_conversation_logs_its_own_line(
    scripted_openai: ScriptedOpenAI, logs: pytest.LogCaptureFixture, user: User, api_client: APIClient
) -> None:
    first = chat(api_client, user, "hello")
    chat(api_client, user, "hello again", conversation_id=first.json()["conversation_id"])

    lines = turn_lines(logs)
    assert [line["conversation_id"] for line in lines] == [first.json()["conversation_id"]] * 2
    assert [(line["model_calls"], line["tools"], line["outcome"]) for line in lines] == [(1, [], "ok")] * 2


@pytest.mark.parametrize(
    ("failure", "status", "outcome"),
    [
        (error(500), 502, "model_error"),
        (rate_limited(), 503, "model_rate_limited"),
        (Step(body={}, delay=0.6), 504, "model_timeout"),
    ],
    ids=["server-error", "rate-limited", "timeout"],
)
def test_a_provider_failure_is_logged_with_its_error_code(
    scripted_openai: ScriptedOpenAI,
    logs: pytest.LogCaptureFixture,
    settings: Settings,
    user: User,
    api_client: APIClient,
    failure: Step,
    status: int,
    outcome: str,
) -> None:
    settings.OPENAI_MAX_RETRIES = 0
    settings.OPENAI_TIMEOUT = 0.3
    scripted_openai.script(
        tool_calls(("add_task", {"title": "water the ferns", "description": None}), tokens=(11, 3)), failure
    )

    response = chat(api_client, user, MESSAGE)

    assert response.status_code == status
    [line] = turn_lines(logs)
    assert line["conversation_id"] == response.json()["conversation_id"]
    assert line["outcome"] == outcome
    assert (line["model_calls"], line["tools"]) == (1, ["add_task"])
    assert (line["prompt_tokens"], line["completion_tokens"], line["total_tokens"]) == (11, 3, 14)
    assert MESSAGE not in line.values()


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler could write for a record: message, arguments, exception, extras."""
    parts = [record.getMessage(), repr(record.args), repr(vars(record))]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


@pytest.mark.parametrize(
    "failure", [None, error(401, "Incorrect API key provided"), error(500)], ids=["ok", "http-401", "http-500"]
)
def test_the_api_key_is_never_logged(
    scripted_openai: ScriptedOpenAI,
    logs: pytest.LogCaptureFixture,
    settings: Settings,
    user: User,
    api_client: APIClient,
    failure: Step | None,
) -> None:
    assert settings.OPENAI_API_KEY == API_KEY
    settings.OPENAI_MAX_RETRIES = 1 if failure else 0
    script_add_task(scripted_openai)
    if failure:
        scripted_openai.script(failure, failure)
    first = chat(api_client, user, MESSAGE)
    chat(api_client, user, "and one more", conversation_id=first.json()["conversation_id"])

    # The SDK and the HTTP client did log (at DEBUG): the check looked at their records too.
    names = {record.name for record in logs.records}
    assert "chat.turn" in names
    assert any(name.startswith(("openai", "httpx", "httpcore")) for name in names), names
    for record in logs.records:
        assert API_KEY not in record_text(record), f"the API key is in a {record.name} log record"
    assert API_KEY not in logs.text
