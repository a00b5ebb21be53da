"""The `Idempotency-Key` header on the chat endpoint: a turn runs at most once per user and key."""

import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from chat.agent.events import Event, TurnFinished
from chat.idempotency import request_fingerprint
from chat.models import Conversation, IdempotentRequest, Message
from chat.tests.helpers import chat, chat_url
from chat.tests.scripted_openai import ScriptedOpenAI, error, reply, tool_calls
from chat.turns import run_turn_events
from conftest import client_for
from todos.models import Todo

pytestmark = pytest.mark.django_db


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def script_add_task(server: ScriptedOpenAI, title: str, *, delay: float = 0.0) -> None:
    server.script(
        tool_calls(("add_task", {"title": title, "description": None}), delay=delay),
        reply(f"Added {title}."),
    )


def test_a_repeat_gets_the_stored_response_and_runs_nothing_again(
    scripted_openai: ScriptedOpenAI, user: User, api_client: APIClient
) -> None:
    script_add_task(scripted_openai, "Buy milk")
    first = chat(api_client, user, "add buy milk", key="key-1")
    assert first.status_code == 200
    assert first.json()["tool_calls"][0]["result"]["task"]["title"] == "Buy milk"
    model_requests = len(scripted_openai.requests)
    messages = Message.objects.count()

    again = chat(api_client, user, "add buy milk", key="key-1")

    assert again.status_code == 200
    assert again.json() == first.json()
    assert len(scripted_openai.requests) == model_requests
    assert list(Todo.objects.filter(owner=user).values_list("title", flat=True)) == ["Buy milk"]
    assert Message.objects.count() == messages
    assert Conversation.objects.get().message_count == messages
    stored = IdempotentRequest.objects.get(owner=user, key="key-1")
    assert (stored.response_status, stored.response_body) == (200, first.json())


def test_a_repeat_into_an_existing_conversation_is_not_run_again(
    scripted_openai: ScriptedOpenAI, user: User, api_client: APIClient
) -> None:
    conversation_id = chat(api_client, user, "hello").json()["conversation_id"]
    script_add_task(scripted_openai, "Call mum")
    body = {"message": "add call mum", "conversation_id": conversation_id}
    first = chat(api_client, user, **body, key="key-2")
    model_requests = len(scripted_openai.requests)

    again = chat(api_client, user, **body, key="key-2")

    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert len(scripted_openai.requests) == model_requests
    assert Todo.objects.filter(owner=user).count() == 1
    assert Conversation.objects.get(pk=conversation_id).message_count == 2 + 4


def test_the_same_key_with_a_different_message_is_rejected(
    scripted_openai: ScriptedOpenAI, user: User, api_client: APIClient
) -> None:
    script_add_task(scripted_openai, "Buy milk")
    chat(api_client, user, "add buy milk", key="key-3")
    model_requests = len(scripted_openai.requests)

    response = chat(api_client, user, "add something else", key="key-3")

    assert response.status_code == 422
    assert response.json() == {
        "detail": "This Idempotency-Key was already used for a different request.",
        "code": "idempotency_key_reused",
    }
    assert len(scripted_openai.requests) == model_requests
    assert Todo.objects.filter(owner=user).count() == 1
    assert Conversation.objects.count() == 1


def test_an_explicit_null_conversation_is_the_same_request_as_none(
    scripted_openai: ScriptedOpenAI, user: User, api_client: APIClient
) -> None:
    first = chat(api_client, user, "hi", key="key-6")
    model_requests = len(scripted_openai.requests)

    explicit_null = {"message": "hi", "conversation_id": None}
    again = api_client.post(chat_url(user), explicit_null, format="json", HTTP_IDEMPOTENCY_KEY="key-6")

    assert (again.status_code, again.json()) == (200, first.json())
    assert len(scripted_openai.requests) == model_requests


def test_the_same_key_with_another_conversation_is_rejected(
    scripted_openai: ScriptedOpenAI, user: User, api_client: APIClient
) -> None:
    conversation_id = chat(api_client, user, "hello").json()["conversation_id"]
    chat(api_client, user, "hi", key="key-4")
    model_requests = len(scripted_openai.requests)

    response = chat(api_client, user, "hi", conversation_id, key="key-4")

    assert response.status_code == 422
    assert len(scripted_openai.requests) == model_requests
    assert Conversation.objects.get(pk=conversation_id).message_count == 2


def test_the_same_key_from_two_users_is_two_requests(
    scripted_openai: ScriptedOpenAI, user: User, other_user: User
) -> None:
    script_add_task(scripted_openai, "Mine")
    mine = chat(client_for(user), user, "add mine", key="shared-key")
    script_add_task(scripted_openai, "Theirs")
    theirs = chat(client_for(other_user), other_user, "add theirs", key="shared-key")

    assert mine.status_code == theirs.status_code == 200
    assert mine.json()["conversation_id"] != theirs.json()["conversation_id"]
    assert list(Todo.objects.filter(owner=user).values_list("title", flat=True)) == ["Mine"]
    assert list(Todo.objects.filter(owner=other_user).values_list("title", flat=True)) == ["Theirs"]
    model_requests = len(scripted_openai.requests)
    # Each user's repeat gets their own stored response.
    assert chat(client_for(user), user, "add mine", key="shared-key").json() == mine.json()
    assert chat(client_for(other_user), other_user, "add theirs", key="shared-key").json() == (
        theirs.json()
    )
    assert len(scripted_openai.requests) == model_requests


def test_a_provider_failure_is_stored_and_replayed(
    scripted_openai: ScriptedOpenAI, settings: Settings, user: User, api_client: APIClient
) -> None:
    settings.OPENAI_MAX_RETRIES = 0
    scripted_openai.script(error(500))
    first = chat(api_client, user, "add buy milk", key="key-5")
    assert first.status_code == 502
    assert set(first.json()) == {"detail", "code", "conversation_id"}
    messages = Message.objects.count()
    assert messages == 1  # the user's message, so a retry with a new key can continue

    again = chat(api_client, user, "add buy milk", key="key-5")

    assert (again.status_code, again.json()) == (502, first.json())
    assert len(scripted_openai.requests) == 1
    assert Message.objects.count() == messages
    stored = IdempotentRequest.objects.get(owner=user, key="key-5")
    assert (stored.response_status, stored.response_body) == (502, first.json())


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_an_empty_or_oversized_key_is_a_bad_request(
    scripted_openai: ScriptedOpenAI, user: User, api_client: APIClient, key: str
) -> None:
    response = chat(api_client, user, "hello", key=key)

    assert response.status_code == 400
    assert scripted_openai.requests == []
    assert not Conversation.objects.exists()
    assert not IdempotentRequest.objects.exists()


def test_without_the_header_nothing_is_stored_and_every_post_runs(
    scripted_openai: ScriptedOpenAI, user: User, api_client: APIClient
) -> None:
    first = chat(api_client, user, "hello")
    second = chat(api_client, user, "hello")

    assert first.status_code == second.status_code == 200
    assert first.json()["conversation_id"] != second.json()["conversation_id"]
    assert len(scripted_openai.requests) == 2
    assert not IdempotentRequest.objects.exists()


def claim_left_running(user: User, key: str, message: str, *, age: timedelta) -> IdempotentRequest:
    """A claim whose request never finished (its process died), made `age` ago."""

    fingerprint = request_fingerprint(message=message, conversation_id=None)
    claim = IdempotentRequest.objects.create(owner=user, key=key, request_fingerprint=fingerprint)
    IdempotentRequest.objects.filter(pk=claim.pk).update(lease_renewed_at=timezone.now() - age)
    return claim


def test_a_claim_abandoned_longer_than_any_turn_is_taken_over(
    scripted_openai: ScriptedOpenAI, settings: Settings, user: User, api_client: APIClient
) -> None:
    settings.OPENAI_TIMEOUT, settings.OPENAI_MAX_RETRIES = 30.0, 2
    claim_left_running(user, "orphan", "add buy milk", age=timedelta(hours=1))
    script_add_task(scripted_openai, "Buy milk")

    response = chat(api_client, user, "add buy milk", key="orphan")

    assert response.status_code == 200
    assert list(Todo.objects.filter(owner=user).values_list("title", flat=True)) == ["Buy milk"]
    stored = IdempotentRequest.objects.get(owner=user, key="orphan")
    assert (stored.response_status, stored.response_body) == (200, response.json())
    assert chat(api_client, user, "add buy milk", key="orphan").json() == response.json()


def test_a_recent_claim_without_response_is_still_in_progress(
    scripted_openai: ScriptedOpenAI, settings: Settings, user: User, api_client: APIClient
) -> None:
    settings.OPENAI_TIMEOUT, settings.OPENAI_MAX_RETRIES = 30.0, 2
    claim_left_running(user, "busy", "add buy milk", age=timedelta(seconds=5))

    response = chat(api_client, user, "add buy milk", key="busy")

    assert response.status_code == 409
    assert scripted_openai.requests == []
    assert not Todo.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql
def test_a_repeat_while_the_first_is_running_gets_409_and_never_runs_twice(scripted_openai: ScriptedOpenAI) -> None:
    user = UserFactory.create()
    script_add_task(scripted_openai, "Buy milk", delay=1.0)
    body = {"message": "add buy milk"}

    def send() -> tuple[int, dict, float]:
        try:
            response = chat(client_for(user), user, **body, key="slow-key")
            return response.status_code, response.json(), time.monotonic()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(send)
        wait_for(lambda: len(scripted_openai.requests) == 1)  # the first is in its model call
        repeat = pool.submit(send)
        repeat_status, repeat_body, repeat_done = repeat.result(timeout=10)
        first_status, first_body, first_done = first.result(timeout=10)

    assert repeat_done < first_done  # it was answered while the first was still running
    assert repeat_status == 409
    assert repeat_body == {
        "detail": "A request with this Idempotency-Key is still in progress. Retry later to get its response.",
        "code": "request_in_progress",
    }
    assert first_status == 200
    assert len(scripted_openai.requests) == 2  # the first turn's two model calls, nothing more
    assert list(Todo.objects.filter(owner=user).values_list("title", flat=True)) == ["Buy milk"]
    assert Message.objects.count() == 4

    # Once the first has finished, a repeat gets its stored response.
    later = chat(client_for(user), user, **body, key="slow-key")
    assert (later.status_code, later.json()) == (200, first_body)
    assert len(scripted_openai.requests) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql
def test_the_same_key_sent_many_times_at_once_runs_once(scripted_openai: ScriptedOpenAI) -> None:
    user = UserFactory.create()
    script_add_task(scripted_openai, "Buy milk", delay=0.3)
    copies = 8
    barrier = Barrier(copies)

    def send(_: int) -> int:
        client = client_for(user)
        try:
            barrier.wait(timeout=10)
            return chat(client, user, "add buy milk", key="burst-key").status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(copies) as pool:
        statuses = sorted(pool.map(send, range(copies)))

    assert statuses == [200] + [409] * (copies - 1)
    assert len(scripted_openai.requests) == 2
    assert Todo.objects.filter(owner=user).count() == 1
    assert Conversation.objects.filter(owner=user).count() == 1
    assert IdempotentRequest.objects.get(owner=user, key="burst-key").response_status == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql
def test_a_request_whose_claim_was_taken_over_stores_nothing_and_the_takeover_continues_its_turn(
    scripted_openai: ScriptedOpenAI,
) -> None:
    """The first request outlives the abandonment bound; a repeat takes the key over and
    continues the turn the first started. When the first's model call finally returns, its
    step cannot be stored (its lease is gone), so its tool call never runs: 409."""
    user = UserFactory.create()
    scripted_openai.script(  # in the order the calls reach the model
        tool_calls(("add_task", {"title": "Slow milk", "description": None}), delay=1.0),
        tool_calls(("add_task", {"title": "Fast milk", "description": None})),
        reply("Added Fast milk."),
        reply("Added Slow milk."),
    )
    body = {"message": "add milk"}

    def send() -> tuple[int, dict]:
        try:
            response = chat(client_for(user), user, **body, key="lease-key")
            return response.status_code, response.json()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(send)
        wait_for(lambda: len(scripted_openai.requests) == 1)
        IdempotentRequest.objects.filter(owner=user, key="lease-key").update(
            lease_renewed_at=timezone.now() - timedelta(days=1)
        )
        takeover = chat(client_for(user), user, **body, key="lease-key")
        first_status, first_body = first.result(timeout=10)

    assert takeover.status_code == 200
    assert takeover.json()["tool_calls"][0]["result"]["task"]["title"] == "Fast milk"
    assert (first_status, first_body["code"]) == (409, "request_in_progress")
    assert list(Todo.objects.filter(owner=user).values_list("title", flat=True)) == ["Fast milk"]
    assert Conversation.objects.filter(owner=user).count() == 1
    assert Message.objects.filter(conversation__owner=user).count() == 4  # one turn: user, call, result, reply
    stored = IdempotentRequest.objects.get(owner=user, key="lease-key")
    assert stored.response_body == takeover.json()
    assert chat(client_for(user), user, **body, key="lease-key").json() == takeover.json()


def test_an_unexpected_server_error_is_stored_and_never_run_again(
    scripted_openai: ScriptedOpenAI, user: User, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tools may already have run when a turn fails unexpectedly: the key answers the same 500
    from then on instead of running the turn a second time."""
    script_add_task(scripted_openai, "Buy milk")

    async def turn_then_a_bug(**kwargs: Any) -> AsyncIterator[Event]:
        async for event in run_turn_events(**kwargs):
            if isinstance(event, TurnFinished):
                raise RuntimeError("a bug after the turn")
            yield event

    monkeypatch.setattr("chat.idempotency.run_turn_events", turn_then_a_bug)
    api_client.raise_request_exception = False

    first = chat(api_client, user, "add buy milk", key="crash-key")
    again = chat(api_client, user, "add buy milk", key="crash-key")

    assert first.status_code == again.status_code == 500
    assert again.json() == first.json() == {"detail": "A server error occurred.", "code": "server_error"}
    assert len(scripted_openai.requests) == 2  # the first turn only
    assert Todo.objects.filter(owner=user).count() == 1


def test_nul_characters_from_the_model_are_stored_and_replayed_cleanly(
    scripted_openai: ScriptedOpenAI, user: User, api_client: APIClient
) -> None:
    scripted_openai.script(
        tool_calls(("add_task", '{"title": "Milk", "description": null, "note": "a\\u0000b"}')),
        reply("Added\u0000 it."),
    )
    first = chat(api_client, user, "add milk", key="nul-key")
    assert first.status_code == 200
    assert first.json()["message"] == "Added it."
    assert first.json()["tool_calls"][0]["arguments"]["note"] == "ab"
    assert chat(api_client, user, "add milk", key="nul-key").json() == first.json()


def test_a_running_turn_renews_its_claim_after_every_model_call(
    scripted_openai: ScriptedOpenAI, user: User, api_client: APIClient
) -> None:
    """So a live turn, however many steps it takes, is never taken over as abandoned."""
    scripted_openai.script(
        tool_calls(("add_task", {"title": "Milk", "description": None}), delay=0.3),
        reply("Added."),
    )
    started = timezone.now()

    assert chat(api_client, user, "add milk", key="renewed").status_code == 200

    claim = IdempotentRequest.objects.get(owner=user, key="renewed")
    assert claim.lease_renewed_at >= started + timedelta(seconds=0.3)


def test_a_response_that_cannot_be_rendered_is_never_stored_as_open(
    scripted_openai: ScriptedOpenAI, user: User, api_client: APIClient
) -> None:
    """Model output that JSON cannot carry is refused as arguments, so the stored response
    is the one returned and the key is closed."""
    scripted_openai.script(
        tool_calls(("add_task", '{"title": "Milk", "description": null, "x": NaN}')),
        reply("Could not."),
    )
    first = chat(api_client, user, "add milk", key="nan-key")
    assert first.status_code == 200
    stored = IdempotentRequest.objects.get(owner=user, key="nan-key")
    assert (stored.response_status, stored.response_body) == (200, first.json())
    assert chat(api_client, user, "add milk", key="nan-key").json() == first.json()
