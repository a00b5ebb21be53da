"""The typed turn data: stored and read back as it was (with a model's `state`, never sent to a
provider), one JSON shape for a turn's result, and one wording for a tool's result."""

import uuid

import pytest

from accounts.models import User
from chat.agent.messages import (
    AssistantMessage,
    ChatMessage,
    TaskPage,
    TaskResult,
    ToolCall,
    ToolFailure,
    ToolMessage,
    ToolRun,
    TurnResult,
    Usage,
    UserMessage,
    describe,
    describe_run,
)
from chat.agent.openai_model import wire_message
from chat.persistence import save_turn
from chat.selectors import turn_messages
from chat.tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

MILK = TaskResult(task={"id": 1, "title": "Buy milk", "description": "", "completed": False})


def test_a_turn_is_read_back_as_it_was_stored_with_the_models_state(user: User) -> None:
    call = ToolCall.of(id="c1", name="add_task", arguments={"title": "Buy milk"})
    messages: list[ChatMessage] = [
        UserMessage("add milk"),
        AssistantMessage(tool_calls=(call,), state={"intent": "add", "titles": ["Buy milk"]}),
        ToolMessage("c1", "add_task", MILK),
        AssistantMessage(content="Added."),
    ]
    turn = save_turn(conversation_id=ConversationFactory.create(owner=user).pk, messages=messages)

    assert turn_messages(turn) == messages
    reply = turn_messages(turn)[1]
    assert isinstance(reply, AssistantMessage)
    assert reply.state == {"intent": "add", "titles": ["Buy milk"]}


def test_a_models_state_is_never_sent_to_the_provider() -> None:
    message = AssistantMessage(content="Added.", state={"intent": "add"})

    assert wire_message(message) == {"role": "assistant", "content": "Added."}


def test_a_turns_result_is_read_back_from_its_json_as_it_was() -> None:
    result = TurnResult(
        conversation_id=uuid.uuid4(),
        reply="Added.",
        tool_runs=(
            ToolRun("add_task", {"title": "Buy milk"}, MILK),
            ToolRun("complete_task", {}, ToolFailure("No.", "x")),
        ),
        usage=Usage(3, 2, 5),
    )

    assert TurnResult.from_json(result.as_json()) == result


def test_a_result_reads_as_one_line() -> None:
    assert describe(MILK, tool_name="add_task") == 'Added task 1 "Buy milk"'
    assert describe(TaskPage(tasks=(MILK.task,)), tool_name="list_tasks") == 'Listed 1 task: task 1 "Buy milk"'
    assert describe_run(ToolRun("delete_task", {"task_id": 9}, ToolFailure("Task 9 not found.", "task_not_found"))) == (
        "delete_task(task_id=9) -> failed: Task 9 not found. (task_not_found)"
    )
