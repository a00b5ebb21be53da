"""Stopping a running turn (`POST .../conversations/<id>/stop`): the stop is stored on the turn,
which reads it back with the next step it stores, so the step under way completes (its tools
run once, and are recorded), no further model call is made, and the turn ends with the reply
"Stopped." and the status `stopped`."""

import json
import logging
import uuid
from collections.abc import Sequence

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from chat.agent.messages import AssistantMessage, ChatMessage
from chat.agent.runner import STOPPED_REPLY
from chat.models import Message, TaskChange, Turn
from chat.services import turn_events
from chat.tests.helpers import chunk_types, continue_turn, parse_sse, run_turn
from chat.tests.scripted_model import ScriptedModel, calls, say
from chat.ui_message_stream import aencode
from conftest import client_for
from todos.models import Todo

pytestmark = pytest.mark.django_db

ADD_MILK = ("add_task", {"title": "Buy milk", "description": None})


def stop_url(user: User, conversation_id: uuid.UUID) -> str:
    return f"/api/{user.pk}/conversations/{conversation_id}/stop"


def running_turn(user: User) -> Turn:
    return Turn.objects.get(conversation__owner=user, status=Turn.Status.RUNNING)


def stopping_through_the_api(user: User, answer: AssistantMessage, statuses: list[int]) -> ScriptedModel:
    """A model that, while the turn awaits it, has the person stop the turn (the endpoint's
    status goes into `statuses`), then answers `answer`; a second call would answer "Done."."""

    def slow(messages: Sequence[ChatMessage]) -> AssistantMessage:
        turn = running_turn(user)
        statuses.append(client_for(user).post(stop_url(user, turn.conversation_id)).status_code)
        return answer

    return ScriptedModel(slow, say("Done."))


def stored(turn: Turn) -> list[tuple[int, str, str]]:
    return [(row.step, row.role, row.content) for row in Message.objects.filter(turn=turn).order_by("step", "index")]


def test_a_turn_stopped_while_it_awaits_the_model_ends_after_that_step(
    user: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chat.turn")
    statuses: list[int] = []
    model = stopping_through_the_api(user, calls(ADD_MILK), statuses)

    answer = run_turn(owner=user, message="add milk", model=model)

    assert statuses == [204]
    assert answer.reply == STOPPED_REPLY == "Stopped."
    assert [call["tool_name"] for call in answer.tool_calls] == ["add_task"]
    assert len(model.sent) == 1  # no model call after the stop
    assert list(Todo.objects.filter(owner=user).values_list("title", flat=True)) == ["Buy milk"]  # ran once
    turn = Turn.objects.get(conversation_id=answer.conversation_id)
    assert (turn.status, turn.steps, turn.model_calls) == (Turn.Status.STOPPED, 3, 1)
    assert turn.stop_requested_at is not None
    assert TaskChange.objects.filter(turn=turn).count() == 1
    rows = stored(turn)
    assert [(step, role) for step, role, _ in rows] == [(0, "user"), (1, "assistant"), (1, "tool"), (2, "assistant")]
    assert rows[-1][2] == "Stopped."
    (line,) = [json.loads(record.getMessage()) for record in caplog.records if record.name == "chat.turn"]
    assert (line["outcome"], line["model_calls"], line["tools"]) == ("stopped", 1, ["add_task"])


def test_a_stop_stored_by_another_instance_is_seen_by_the_running_turn(user: User) -> None:
    """The stop is in the database, not in the process that runs the turn: a row updated by
    anyone (here through the ORM, as another instance would) stops it."""

    def slow(messages: Sequence[ChatMessage]) -> AssistantMessage:
        Turn.objects.filter(pk=running_turn(user).pk).update(stop_requested_at=timezone.now())
        return calls(ADD_MILK)

    model = ScriptedModel(slow, say("Done."))

    answer = run_turn(owner=user, message="add milk", model=model)

    assert (answer.reply, len(model.sent)) == ("Stopped.", 1)
    assert Turn.objects.get(conversation_id=answer.conversation_id).status == Turn.Status.STOPPED
    assert Todo.objects.filter(owner=user).count() == 1


def test_a_stop_during_the_last_step_lets_its_reply_stand(user: User) -> None:
    statuses: list[int] = []

    answer = run_turn(owner=user, message="hi", model=stopping_through_the_api(user, say("Hello!"), statuses))

    assert (statuses, answer.reply) == ([204], "Hello!")
    assert Turn.objects.get(conversation_id=answer.conversation_id).status == Turn.Status.COMPLETED


def test_a_running_turn_with_a_stored_stop_makes_no_model_call_when_continued(user: User) -> None:
    statuses: list[int] = []
    first = ScriptedModel(calls(ADD_MILK), RuntimeError("the process died"))
    with pytest.raises(Exception):  # noqa: B017 - the model client's failure, whatever it becomes
        run_turn(owner=user, message="add milk", model=first)
    turn = Turn.objects.get(conversation__owner=user)
    Turn.objects.filter(pk=turn.pk).update(status=Turn.Status.RUNNING)  # as a killed process leaves it
    statuses.append(client_for(user).post(stop_url(user, turn.conversation_id)).status_code)
    model = ScriptedModel(say("Done."))

    answer = continue_turn(owner=user, turn=turn, model=model)

    assert (statuses, answer.reply, model.sent) == ([204], "Stopped.", [])
    turn.refresh_from_db()
    assert turn.status == Turn.Status.STOPPED
    assert Todo.objects.filter(owner=user).count() == 1
    # Continued again, the stopped turn tells what it did and stays stopped.
    assert continue_turn(owner=user, turn=turn, model=ScriptedModel()).reply == "Stopped."
    turn.refresh_from_db()
    assert turn.status == Turn.Status.STOPPED


def test_the_stream_of_a_stopped_turn_finishes_with_its_reply(user: User) -> None:
    model = stopping_through_the_api(user, calls(ADD_MILK), [])

    async def stream() -> bytes:
        return b"".join([piece async for piece in aencode(turn_events(owner=user, message="add milk", model=model))])

    chunks = parse_sse(async_to_sync(stream)())

    assert chunk_types(chunks)[-7:] == [
        "start-step",
        "text-start",
        "text-delta",
        "text-end",
        "finish-step",
        "finish",
        "[DONE]",
    ]
    assert chunks[-5]["delta"] == "Stopped."
    assert chunks[-2]["finishReason"] == "stop"


def test_stop_when_nothing_runs_is_409(api_client: APIClient, user: User) -> None:
    answer = run_turn(owner=user, message="hi", model=ScriptedModel(say("Hello!")))

    response = api_client.post(stop_url(user, answer.conversation_id))

    assert response.status_code == 409
    assert response.json() == {"detail": "No turn of this conversation is running.", "code": "nothing_running"}
    turn = Turn.objects.get(conversation_id=answer.conversation_id)
    assert (turn.status, turn.stop_requested_at) == (Turn.Status.COMPLETED, None)


def test_stop_of_another_users_conversation_is_404(api_client: APIClient, user: User, other_user: User) -> None:
    statuses: list[int] = []

    def slow(messages: Sequence[ChatMessage]) -> AssistantMessage:
        conversation_id = running_turn(other_user).conversation_id
        statuses.append(api_client.post(stop_url(user, conversation_id)).status_code)
        return say("Hello!")

    theirs = run_turn(owner=other_user, message="hi", model=ScriptedModel(slow))

    assert statuses == [404]
    assert api_client.post(stop_url(user, uuid.uuid4())).json()["code"] == "conversation_not_found"
    turn = Turn.objects.get(conversation_id=theirs.conversation_id)
    assert (turn.status, turn.stop_requested_at) == (Turn.Status.COMPLETED, None)


def test_the_chat_page_has_a_stop_button_hidden_until_a_reply_streams(user: User) -> None:
    client = Client()
    client.force_login(user)

    html = client.get("/").content.decode()

    assert '<button type="button" id="stop" class="button secondary" hidden>Stop</button>' in html


def test_the_stop_endpoint_is_in_the_schema() -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/{user_id}/conversations/{conversation_id}/stop"]["post"]
    assert {"204", "409", "404"} <= set(operation["responses"])
