"""An `Idempotency-Key`'s lease follows its turn, and only a definitive answer is its outcome.

- A running turn renews its lease on a heartbeat, also while one model call is slow; a claim
  unrenewed for `IDEMPOTENCY_LEASE_SECONDS` is taken over whatever the model's own timeout.
- A failure a retry can cure (the model unavailable, rate limited, timing out; the database
  gone) gives the key back with `Retry-After`: the retry continues the turn, no tool twice.
- The database failing while the key is claimed is a warning, not a traceback, and the
  answer says the turn may have started once the claim could have been written.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import User
from chat import idempotency
from chat.idempotency import KeyLease, request_fingerprint
from chat.models import IdempotentRequest
from chat.tests.helpers import chat
from chat.tests.scripted_openai import ScriptedOpenAI, Step, error, reply, tool_calls
from todos.models import Todo

pytestmark = pytest.mark.django_db


def left_running(user: User, key: str, message: str, *, age: timedelta) -> IdempotentRequest:
    claim = IdempotentRequest.objects.create(
        owner=user, key=key, request_fingerprint=request_fingerprint(message=message, conversation_id=None)
    )
    IdempotentRequest.objects.filter(pk=claim.pk).update(lease_renewed_at=timezone.now() - age)
    return claim


@pytest.mark.parametrize(("age", "status"), [(timedelta(seconds=5), 409), (timedelta(seconds=16), 200)])
def test_a_claim_unrenewed_past_the_lease_is_taken_over_whatever_the_model_timeout(
    scripted_openai: ScriptedOpenAI,
    settings: Settings,
    user: User,
    api_client: APIClient,
    age: timedelta,
    status: int,
) -> None:
    # One step of this client may take 390 s: the lease does not wait for it.
    settings.OPENAI_TIMEOUT, settings.OPENAI_MAX_RETRIES = 30.0, 2
    settings.IDEMPOTENCY_LEASE_SECONDS = 15.0
    left_running(user, "k", "add buy milk", age=age)
    scripted_openai.script(tool_calls(("add_task", {"title": "Buy milk", "description": None})), reply("Added."))

    response = chat(api_client, user, "add buy milk", key="k")

    assert response.status_code == status
    assert Todo.objects.filter(owner=user).count() == (1 if status == 200 else 0)


def test_a_live_turn_keeps_renewing_its_lease_while_its_model_call_is_slow(
    scripted_openai: ScriptedOpenAI,
    settings: Settings,
    user: User,
    api_client: APIClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.IDEMPOTENCY_LEASE_SECONDS = 0.6  # a beat every 0.2 s
    settings.OPENAI_TIMEOUT = 5.0
    scripted_openai.script(reply("Slow hello.", delay=1.5))
    beats: list[datetime] = []
    real_beat = KeyLease.beat

    def beat(lease: KeyLease) -> bool:
        renewed = real_beat(lease)
        if renewed:
            beats.append(IdempotentRequest.objects.get(pk=lease.claim.pk).lease_renewed_at)
        return renewed

    monkeypatch.setattr(KeyLease, "beat", beat)

    assert chat(api_client, user, "hello", key="slow").status_code == 200

    # Renewed again and again during the one model call, never older than the lease.
    assert len(beats) >= 4
    assert all(later - earlier < timedelta(seconds=0.6) for earlier, later in zip(beats, beats[1:], strict=False))
    assert IdempotentRequest.objects.get(owner=user, key="slow").response_status == 200


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (error(429, headers={"retry-after-ms": "0"}), 503, "model_rate_limited"),
        (reply("Too late.", delay=1.0), 504, "model_timeout"),
    ],
)
def test_a_failure_a_retry_can_cure_gives_the_key_back_and_the_retry_continues_the_turn(
    scripted_openai: ScriptedOpenAI,
    settings: Settings,
    user: User,
    api_client: APIClient,
    failure: Step,
    status: int,
    code: str,
) -> None:
    settings.OPENAI_MAX_RETRIES, settings.OPENAI_TIMEOUT = 0, 0.4
    scripted_openai.script(tool_calls(("add_task", {"title": "Buy milk", "description": None})), failure)

    failed = chat(api_client, user, "add buy milk", key="k")

    assert (failed.status_code, failed.json()["code"], failed["Retry-After"]) == (status, code, "5")
    claim = IdempotentRequest.objects.get(owner=user, key="k")
    assert claim.response_status is None  # no outcome stored, and the key is free at once
    scripted_openai.script(reply("Added buy milk."))

    again = chat(api_client, user, "add buy milk", key="k")

    assert again.status_code == 200, again.content
    assert again.json()["conversation_id"] == failed.json()["conversation_id"]
    assert list(Todo.objects.filter(owner=user).values_list("title", flat=True)) == ["Buy milk"]  # ran once
    assert chat(api_client, user, "add buy milk", key="k").json() == again.json()


@pytest.mark.parametrize(
    ("where", "code"),
    [("_claim_or_take_over", "database_unavailable_may_have_run"), ("_release_pending", "database_unavailable")],
)
def test_a_database_failure_claiming_the_key_is_a_warning_and_says_what_may_have_happened(
    scripted_openai: ScriptedOpenAI,
    user: User,
    api_client: APIClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    where: str,
    code: str,
) -> None:
    def fail(**kwargs: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(idempotency, where, fail)
    monkeypatch.setattr(idempotency, "_unreleased", [(0, idempotency.RELEASED)])

    with caplog.at_level(logging.INFO):
        response = chat(api_client, user, "add buy milk", key="k")

    assert (response.status_code, response.json()["code"], response["Retry-After"]) == (503, code, "5")
    assert scripted_openai.requests == []
    warnings = [record for record in caplog.records if record.name == "chat.idempotency"]
    assert [record.levelno for record in warnings] == [logging.WARNING]
    assert not [record for record in caplog.records if record.exc_info]


def test_a_heartbeat_the_database_refuses_is_a_warning_and_the_turn_goes_on(
    scripted_openai: ScriptedOpenAI,
    settings: Settings,
    user: User,
    api_client: APIClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.IDEMPOTENCY_LEASE_SECONDS = 0.6
    settings.OPENAI_TIMEOUT = 5.0
    scripted_openai.script(reply("Slow hello.", delay=0.8))

    def beat(lease: KeyLease) -> bool:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(KeyLease, "beat", beat)

    with caplog.at_level(logging.INFO):
        response = chat(api_client, user, "hello", key="k")

    assert response.status_code == 200  # the step renews the lease in its transaction
    refused = [record for record in caplog.records if record.name == "chat.idempotency"]
    assert refused and {record.levelno for record in refused} == {logging.WARNING}
    assert not [record for record in caplog.records if record.exc_info]
