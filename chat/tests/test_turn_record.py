"""The turn as the unit of record: each step stored as it completes, with its tool's change;
interrupted turns read back as valid history; an `Idempotency-Key` retry continues a turn
from its stored steps and never runs a stored tool call again."""

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import OperationalError
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from chat import persistence
from chat.agent.messages import AssistantMessage, ChatMessage, result_json
from chat.agent.runner import AgentFailed, run_agent
from chat.agent.tools import TOOLS
from chat.context_window import estimate_tokens
from chat.idempotency import RELEASED, request_fingerprint
from chat.models import Conversation, IdempotentRequest, Message, TaskChange, Turn
from chat.persistence import TurnRecorder, save_turn, start_turn
from chat.selectors import INTERRUPTED_RESULT, history_for
from chat.tests.factories import ConversationFactory, tool_call
from chat.tests.helpers import as_dicts, chat, continue_turn, drain, run_turn, run_turn_once, typed_all
from chat.tests.scripted_model import ScriptedModel, calls, say
from chat.tests.scripted_openai import assert_valid_history
from todos.models import Todo

pytestmark = pytest.mark.django_db

ADD_MILK = ("add_task", {"title": "Buy milk", "description": None})


def use_model(monkeypatch: pytest.MonkeyPatch, model: ScriptedModel) -> ScriptedModel:
    monkeypatch.setattr("chat.services.build_model", lambda: model)
    monkeypatch.setattr("chat.services.build_model", lambda: model)
    return model


def roles(turn: Turn) -> list[tuple[int, int, str]]:
    return list(Message.objects.filter(turn=turn).values_list("step", "index", "role"))


# --- each step stored as it completes ---------------------------------------------------------


def test_each_step_is_stored_with_its_change_before_the_next_model_call(user: User) -> None:
    seen: dict[str, object] = {}

    def second_call(messages: Sequence[ChatMessage]) -> AssistantMessage:
        turn = Turn.objects.get()
        seen["messages"] = roles(turn)
        seen["changes"] = list(TaskChange.objects.filter(turn=turn).values_list("step", "action", "number"))
        seen["tasks"] = list(Todo.objects.values_list("title", flat=True))
        return say("Added.")

    run_turn(owner=user, message="add milk", model=ScriptedModel(calls(ADD_MILK), second_call))

    assert seen == {
        "messages": [(0, 0, "user"), (1, 0, "assistant"), (1, 1, "tool")],
        "changes": [(1, "add", 1)],
        "tasks": ["Buy milk"],
    }
    turn = Turn.objects.get()
    assert roles(turn) == [(0, 0, "user"), (1, 0, "assistant"), (1, 1, "tool"), (2, 0, "assistant")]
    assert (turn.status, turn.steps, turn.model_calls, turn.total_tokens) == ("completed", 3, 2, 30)
    assert Conversation.objects.get().message_count == 4


def test_the_turn_and_the_users_message_exist_before_the_first_model_call(user: User) -> None:
    seen: dict[str, object] = {}

    def first_call(messages: Sequence[ChatMessage]) -> AssistantMessage:
        seen["turn"] = list(Turn.objects.values_list("status", flat=True))
        seen["messages"] = list(Message.objects.values_list("role", "content"))
        return say("Hi.")

    run_turn(owner=user, message="hello", model=ScriptedModel(first_call))

    assert seen == {"turn": ["running"], "messages": [("user", "hello")]}


def test_a_step_that_cannot_be_stored_leaves_no_change_behind(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tool runs inside the step's transaction: when storing the step fails, its change
    to the task is rolled back with it."""
    real = persistence._write_messages

    def failing(rows: Sequence[Message], **kwargs: Any) -> None:
        if len(rows) > 1:  # a step, not the turn's start
            raise OperationalError("server closed the connection unexpectedly")
        real(rows, **kwargs)

    monkeypatch.setattr("chat.persistence._write_messages", failing)

    with pytest.raises(Exception) as raised:
        run_turn(owner=user, message="add milk", model=ScriptedModel(calls(ADD_MILK), say("Added.")))

    assert getattr(raised.value, "code", None) == "database_unavailable_may_have_run"
    assert not Todo.objects.exists()
    assert not TaskChange.objects.exists()
    turn = Turn.objects.get()
    assert roles(turn) == [(0, 0, "user")]


# --- the history loader ---------------------------------------------------------------------


def interrupted_legacy_turn(conversation: Conversation) -> Turn:
    """A turn cut short after its tool calls were stored but before one of their results was."""
    turn = Turn.objects.create(conversation=conversation, steps=2)
    Message.objects.create(conversation=conversation, turn=turn, step=0, role="user", content="add milk and eggs")
    Message.objects.create(
        conversation=conversation,
        turn=turn,
        step=1,
        role="assistant",
        tool_calls=[tool_call("c1", "add_task", {"title": "Milk"}), tool_call("c2", "add_task", {"title": "Eggs"})],
    )
    Message.objects.create(
        conversation=conversation,
        turn=turn,
        step=1,
        index=1,
        role="tool",
        tool_call_id="c1",
        name="add_task",
        content=json.dumps({"success": True}),
    )
    return turn


def test_a_tool_call_without_its_result_gets_an_interrupted_result(user: User) -> None:
    conversation = ConversationFactory.create(owner=user)
    interrupted_legacy_turn(conversation)

    history = as_dicts(history_for(conversation=conversation, budget=16000))

    assert [(m["role"], m.get("tool_call_id")) for m in history] == [
        ("user", None),
        ("assistant", None),
        ("tool", "c1"),
        ("tool", "c2"),
    ]
    assert json.loads(history[3]["content"]) == result_json(INTERRUPTED_RESULT)
    assert_valid_history(history)


def test_the_next_turn_after_an_interrupted_one_works_and_sends_a_valid_history(user: User) -> None:
    conversation = ConversationFactory.create(owner=user)
    interrupted_legacy_turn(conversation)
    model = ScriptedModel(say("Milk was added; eggs may not have been."))

    answered = run_turn(owner=user, message="did it work?", conversation_id=conversation.pk, model=model)

    assert answered.reply.startswith("Milk was added")
    sent = model.sent[0]
    assert_valid_history(sent)
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "tool", "user"]


def test_a_turn_cut_short_between_steps_reads_back_as_calls_with_their_results(user: User) -> None:
    """A process killed after a step was stored leaves the turn `running`: the next turn's
    history holds its calls, each with its result, and no reply."""
    conversation = ConversationFactory.create(owner=user)
    turn = start_turn(owner=user, message="add milk", conversation_id=conversation.pk)
    model = ScriptedModel(calls(ADD_MILK), RuntimeError("killed"))
    with pytest.raises(Exception):  # noqa: B017 - the model client's failure ends the turn
        continue_turn(owner=user, turn=turn, model=model)
    Turn.objects.filter(pk=turn.pk).update(status="running")

    history = as_dicts(history_for(conversation=conversation, budget=16000))

    assert [m["role"] for m in history] == ["user", "assistant", "tool"]
    assert_valid_history(history)


def test_the_window_never_starts_with_a_tool_result(user: User) -> None:
    conversation = ConversationFactory.create(owner=user)
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "add milk"},
        {"role": "assistant", "content": "", "tool_calls": [tool_call("c1", "add_task", {"title": "Milk"})]},
        {"role": "tool", "tool_call_id": "c1", "name": "add_task", "content": "{}"},
        {"role": "assistant", "content": "Added."},
    ]
    save_turn(conversation_id=conversation.pk, messages=typed_all(messages))

    # A budget the last two messages fit in: the result goes with its call, which does not fit.
    history = as_dicts(history_for(conversation=conversation, budget=estimate_tokens(typed_all(messages[-2:]))))

    assert [m["role"] for m in history] == ["assistant"]


def test_history_holds_only_the_turns_started_before(user: User) -> None:
    conversation = ConversationFactory.create(owner=user)
    first = start_turn(owner=user, message="first", conversation_id=conversation.pk)
    second = start_turn(owner=user, message="second", conversation_id=conversation.pk)

    assert as_dicts(history_for(conversation=conversation, budget=16000, before=first)) == []
    second_history = as_dicts(history_for(conversation=conversation, budget=16000, before=second))
    assert second_history == [{"role": "user", "content": "first"}]


# --- an Idempotency-Key retry continues the turn -----------------------------------------------


def crashed_request(user: User, key: str, message: str, *, steps: list) -> Turn:
    """A request with `key` whose process died after storing `steps` of its turn; its lease ran out."""
    claim = IdempotentRequest.objects.create(
        owner=user, key=key, request_fingerprint=request_fingerprint(message=message, conversation_id=None)
    )
    turn = start_turn(owner=user, message=message)
    recorder = TurnRecorder(turn=turn, owner=user)
    model = ScriptedModel(*steps, RuntimeError("killed"))
    events = run_agent(
        model=model,
        tools=TOOLS.schemas,
        system_prompt="",
        history=[],
        recorder=recorder,
        turn=persistence.stored_turn(turn),
    )
    try:
        async_to_sync(drain)(events)
    except AgentFailed:
        pass  # killed before its next step
    stale = timezone.now() - timedelta(hours=1)
    IdempotentRequest.objects.filter(pk=claim.pk).update(turn=turn, lease_renewed_at=stale)
    Turn.objects.filter(pk=turn.pk).update(status="running")
    return turn


def test_a_retry_continues_a_crashed_turn_and_runs_no_stored_tool_again(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    turn = crashed_request(user, "k1", "add milk", steps=[calls(ADD_MILK)])
    assert list(Todo.objects.values_list("title", flat=True)) == ["Buy milk"]
    model = use_model(monkeypatch, ScriptedModel(say("Added milk.")))

    response = chat(api_client, user, "add milk", key="k1")

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Added milk."
    assert body["conversation_id"] == str(turn.conversation_id)
    assert [(c["tool_name"], c["arguments"], c["result"]["task"]["title"]) for c in body["tool_calls"]] == [
        ("add_task", {"title": "Buy milk", "description": None}, "Buy milk")
    ]
    assert body["usage"]["total_tokens"] == 30  # the crashed step's call and this one
    assert list(Todo.objects.values_list("title", flat=True)) == ["Buy milk"]  # not added twice
    [sent] = model.sent
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool"]
    assert Turn.objects.count() == 1
    assert roles(Turn.objects.get()) == [(0, 0, "user"), (1, 0, "assistant"), (1, 1, "tool"), (2, 0, "assistant")]
    assert Turn.objects.get().status == "completed"
    assert chat(api_client, user, "add milk", key="k1").json() == body


def test_a_retry_of_a_turn_that_finished_answers_from_the_record(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The turn finished but its response was never stored (the database went away, or the
    process died, right after): the retry answers from the record, without the model."""
    turn = crashed_request(user, "k2", "add milk", steps=[calls(ADD_MILK), say("Added it.")])
    model = use_model(monkeypatch, ScriptedModel())

    response = chat(api_client, user, "add milk", key="k2")

    assert response.status_code == 200
    assert response.json()["message"] == "Added it."
    assert response.json()["tool_calls"][0]["result"]["task"]["id"] == 1
    assert model.sent == []
    assert Todo.objects.count() == 1
    assert IdempotentRequest.objects.get(key="k2").response_body == response.json()
    assert Turn.objects.get(pk=turn.pk).status == "completed"


def test_a_retry_while_the_crashed_requests_lease_holds_is_409(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashed_request(user, "k3", "add milk", steps=[calls(ADD_MILK)])
    IdempotentRequest.objects.filter(key="k3").update(lease_renewed_at=timezone.now())
    model = use_model(monkeypatch, ScriptedModel())

    response = chat(api_client, user, "add milk", key="k3")

    assert (response.status_code, response.json()["code"]) == (409, "request_in_progress")
    assert model.sent == []


def test_a_database_failure_mid_turn_is_503_may_have_run_and_the_retry_continues(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = persistence._write_messages
    failures = iter([False, False, True])  # the turn's start, step 1, then the final step fails

    def flaky(rows: Sequence[Message], **kwargs: Any) -> None:
        if next(failures, False):
            raise OperationalError("terminating connection due to administrator command")
        real(rows, **kwargs)

    monkeypatch.setattr("chat.persistence._write_messages", flaky)
    model = use_model(monkeypatch, ScriptedModel(calls(ADD_MILK), say("Added."), say("Added milk.")))

    first = chat(api_client, user, "add milk", key="k4")

    assert first.status_code == 503
    assert first["Retry-After"] == "5"
    body = first.json()
    assert body["code"] == "database_unavailable_may_have_run"
    turn = Turn.objects.get()
    assert body["conversation_id"] == str(turn.conversation_id)
    assert Todo.objects.count() == 1
    claim = IdempotentRequest.objects.get(key="k4")
    assert (claim.response_status, claim.lease_renewed_at) == (None, RELEASED)  # given up: a retry goes on at once

    again = chat(api_client, user, "add milk", key="k4")

    assert again.status_code == 200
    assert again.json()["message"] == "Added milk."
    assert len(again.json()["tool_calls"]) == 1
    assert Todo.objects.count() == 1
    assert len(model.sent) == 3
    assert [m["role"] for m in model.sent[2]] == ["system", "user", "assistant", "tool"]


def test_a_request_that_lost_its_lease_stores_no_step_and_answers_409(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def taken_over_meanwhile(messages: Sequence[ChatMessage]) -> AssistantMessage:
        IdempotentRequest.objects.update(lease_renewed_at=timezone.now() + timedelta(seconds=1))
        return calls(ADD_MILK)

    use_model(monkeypatch, ScriptedModel(taken_over_meanwhile))

    response = chat(api_client, user, "add milk", key="k5")

    assert (response.status_code, response.json()["code"]) == (409, "request_in_progress")
    assert not Todo.objects.exists()
    assert roles(Turn.objects.get()) == [(0, 0, "user")]


def test_the_key_names_its_turn_from_the_turns_start(user: User) -> None:
    model = ScriptedModel(say("Hi."))
    answered = run_turn_once(owner=user, key="k6", message="hello", model=model)

    claim = IdempotentRequest.objects.get(key="k6")
    assert claim.turn is not None
    assert claim.turn.conversation_id == answered.conversation_id


# --- the database unavailable anywhere else ----------------------------------------------------


def test_a_database_outage_in_any_endpoint_is_503_database_unavailable(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(**kwargs: object) -> None:
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("todos.services.list_tasks", down)
    monkeypatch.setattr("todos.apis.services.list_tasks", down, raising=False)

    response = api_client.get(f"/api/{user.pk}/tasks")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "The database is unavailable; nothing was changed. Please retry shortly.",
        "code": "database_unavailable",
    }


def test_a_lease_that_could_not_be_given_up_is_given_up_by_the_next_request(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database was still down when the failed request tried to give its key up: the next
    chat request this process serves (here the retry itself) does it first, so the retry
    continues the turn at once instead of waiting out the lease."""
    from chat import idempotency

    real = persistence._write_messages
    failures = iter([False, True])  # the turn's start, then step 1 fails

    def flaky(rows: Sequence[Message], **kwargs: Any) -> None:
        if next(failures, False):
            raise OperationalError("the database system is shutting down")
        real(rows, **kwargs)

    real_release = idempotency._release
    down = iter([True])

    def release_while_down(pk: int, lease: datetime) -> bool:
        return False if next(down, False) else real_release(pk, lease)

    monkeypatch.setattr("chat.persistence._write_messages", flaky)
    monkeypatch.setattr("chat.idempotency._release", release_while_down)
    use_model(monkeypatch, ScriptedModel(calls(ADD_MILK), calls(ADD_MILK), say("Added milk.")))

    first = chat(api_client, user, "add milk", key="k7")
    assert (first.status_code, first.json()["code"]) == (503, "database_unavailable_may_have_run")
    assert IdempotentRequest.objects.get(key="k7").lease_renewed_at != RELEASED
    assert len(idempotency._unreleased) == 1

    again = chat(api_client, user, "add milk", key="k7")

    assert again.status_code == 200
    assert idempotency._unreleased == []
    assert Todo.objects.count() == 1


def test_a_database_outage_reading_the_history_stores_nothing_of_the_new_turn(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The turn's start and the history before it are one unit: "nothing was changed" holds."""
    conversation_id = chat(api_client, user, "hello").json()["conversation_id"]

    def down(**kwargs: object) -> None:
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("chat.turns.history_for", down)
    response = chat(api_client, user, "add milk", conversation_id)

    assert (response.status_code, response.json()["code"]) == (503, "database_unavailable")
    assert Turn.objects.filter(conversation_id=conversation_id).count() == 1
    assert not Message.objects.filter(content="add milk").exists()
