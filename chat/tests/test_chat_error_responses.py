"""How the chat view answers each failure of a turn: the status, the `code`, and for a model
provider's failure the conversation to retry into. A replayed `Idempotency-Key` answers the
same status and body again."""

import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from chat.agent.messages import AssistantMessage, ChatMessage, ToolSchema
from chat.agent.model import LocalModel
from chat.errors import ModelError, ModelProviderError, ModelRateLimited, ModelTimeout, ModelUnavailable
from chat.models import Conversation
from chat.tests.helpers import chat

pytestmark = pytest.mark.django_db


class FailingModel(LocalModel):
    backend = "test"
    model = "failing"
    longest_step = timedelta(seconds=1)

    def __init__(self, error: ModelError) -> None:
        self.error = error
        self.calls = 0

    def complete(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSchema]) -> AssistantMessage:
        self.calls += 1
        raise self.error


@pytest.fixture
def failing_model(monkeypatch: pytest.MonkeyPatch) -> Callable[[ModelError], FailingModel]:
    def install(error: ModelError) -> FailingModel:
        model = FailingModel(error)
        monkeypatch.setattr("chat.services.build_model", lambda: model)
        monkeypatch.setattr("chat.services.build_model", lambda: model)
        return model

    return install


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (ModelProviderError(), 502, "model_error"),
        (ModelUnavailable(), 503, "model_unavailable"),
        (ModelRateLimited(), 503, "model_rate_limited"),
        (ModelTimeout(), 504, "model_timeout"),
    ],
)
def test_a_model_failure_answers_its_status_code_and_conversation(
    api_client: APIClient,
    user: User,
    failing_model: Callable[[ModelError], FailingModel],
    error: ModelError,
    status: int,
    code: str,
) -> None:
    failing_model(error)

    response = chat(api_client, user, "add milk")

    assert response.status_code == status
    conversation = Conversation.objects.get(owner=user)
    assert response.json() == {"detail": error.default_detail, "code": code, "conversation_id": str(conversation.pk)}


def test_a_replayed_failure_answers_the_same_status_and_body(
    api_client: APIClient, user: User, failing_model: Callable[[ModelError], FailingModel]
) -> None:
    """A provider's error is a definitive answer (a failure a retry can cure is not: see
    `test_idempotency_retryable`)."""
    model = failing_model(ModelProviderError())
    first = chat(api_client, user, "add milk", key="k")

    again = chat(api_client, user, "add milk", key="k")

    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert first.json()["code"] == "model_error"
    assert model.calls == 1


def test_an_unknown_conversation_is_404_with_its_code(
    api_client: APIClient, user: User, failing_model: Callable[[ModelError], FailingModel]
) -> None:
    model = failing_model(ModelProviderError())

    response = chat(api_client, user, "hi", uuid.uuid4())

    assert response.status_code == 404
    assert response.json() == {"detail": "Conversation not found.", "code": "conversation_not_found"}
    assert model.calls == 0


def test_a_model_error_body_names_no_conversation_before_the_turn_has_one() -> None:
    assert ModelTimeout().body() == {"detail": ModelTimeout.default_detail, "code": "model_timeout"}
    conversation_id = uuid.uuid4()
    named = ModelTimeout("slow").in_conversation(conversation_id)
    assert type(named) is ModelTimeout
    assert named.body() == {"detail": "slow", "code": "model_timeout", "conversation_id": str(conversation_id)}
