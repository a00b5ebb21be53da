"""The `Idempotency-Key` claim is a lease, named `lease_renewed_at`, lasting
`IDEMPOTENCY_LEASE_SECONDS` unrenewed (a running turn renews it on a heartbeat), whatever the
model client's own bound on a step."""

from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import User
from chat.agent.offline import OfflineModel
from chat.agent.openai_model import MAX_RETRY_AFTER_SECONDS, OpenAIModel, Provider
from chat.idempotency import request_fingerprint
from chat.models import IdempotentRequest
from chat.tests.helpers import chat
from todos.models import Todo

pytestmark = pytest.mark.django_db


def test_an_openai_step_is_bounded_by_every_try_timing_out_after_the_longest_retry_wait() -> None:
    provider = Provider(api_key="sk-test", base_url=None, timeout=30.0, max_retries=2)

    bound = OpenAIModel(provider=provider, model="m").longest_step

    assert bound == timedelta(seconds=3 * 30 + 2 * MAX_RETRY_AFTER_SECONDS + 60)


def test_an_offline_step_is_bounded_by_a_minute() -> None:
    assert OfflineModel().longest_step == timedelta(minutes=1)


def left_running(user: User, key: str, message: str, *, age: timedelta) -> IdempotentRequest:
    claim = IdempotentRequest.objects.create(
        owner=user, key=key, request_fingerprint=request_fingerprint(message=message, conversation_id=None)
    )
    IdempotentRequest.objects.filter(pk=claim.pk).update(lease_renewed_at=timezone.now() - age)
    return claim


@pytest.mark.parametrize(("age", "status"), [(timedelta(seconds=5), 409), (timedelta(seconds=20), 200)])
def test_with_the_offline_agent_a_claim_is_taken_over_after_its_short_lease(
    api_client: APIClient, user: User, settings: Settings, age: timedelta, status: int
) -> None:
    settings.AGENT_BACKEND = "offline"
    left_running(user, "k", "add buy milk", age=age)

    response = chat(api_client, user, "add buy milk", key="k")

    assert response.status_code == status
    assert Todo.objects.filter(owner=user).count() == (1 if status == 200 else 0)


def test_a_takeover_renews_the_lease_and_keeps_when_the_key_was_first_used(
    api_client: APIClient, user: User, settings: Settings
) -> None:
    settings.AGENT_BACKEND = "offline"
    claim = left_running(user, "k", "add buy milk", age=timedelta(hours=1))
    before = timezone.now()

    assert chat(api_client, user, "add buy milk", key="k").status_code == 200

    taken = IdempotentRequest.objects.get(pk=claim.pk)
    assert taken.lease_renewed_at >= before
    assert taken.created_at == claim.created_at < before
