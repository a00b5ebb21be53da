"""The tools: each declared once as a typed, documented function bound to one user; what the
model sees is generated from it; every failure is a result with a stable `code`."""

import inspect
import json
import logging
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from chat.agent import tools
from chat.agent.messages import ToolCall, ToolFailure, ToolResult, ToolSchema, result_json
from chat.agent.prompt import system_prompt
from chat.agent.tool_registry import Length, Tool, ToolFunction, ToolRegistry
from chat.agent.tool_registry import Toolbox as BoundTools
from chat.agent.tools import LISTED_FIELDS, TOOLS, Toolbox
from todos.models import DESCRIPTION_MAX_LENGTH, TASK_STATUSES, TITLE_MAX_LENGTH, Todo
from todos.tests.factories import TodoFactory

pytestmark = pytest.mark.django_db


def run(user: User, name: str, arguments: dict | str) -> dict:
    arguments_json = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return result_json(Toolbox(user).run(ToolCall(id="c1", name=name, arguments_json=arguments_json)).result)


def tasks_of(user: User) -> list[tuple[int, str, str, bool]]:
    return list(Todo.objects.filter(owner=user).values_list("number", "title", "description", "completed"))


# Declared once: the schema is generated from the function.


def test_a_new_tool_is_one_function_and_its_schema_is_generated_from_it(user: User) -> None:
    registry = ToolRegistry()

    @registry.tool
    def rename_list(
        *,
        user: User,
        new_name: Annotated[str, Length(min=1, max=30)],
        colour: Literal["red", "blue"] = "red",
        times: int | None = None,
    ) -> ToolResult:
        """Rename the user's list.

        Notes for programmers after the first paragraph stay out of the description.

        Args:
            new_name: The list's new name.
            colour: The list's colour.
            times: How often to do it, or
                null for once.
        """
        return ToolFailure(error=f"{user.pk} {new_name} {colour} {times}", code="seen")

    assert registry.schemas == [
        ToolSchema(
            name="rename_list",
            description="Rename the user's list.",
            parameters={
                "type": "object",
                "properties": {
                    "new_name": {"type": "string", "description": "The list's new name, 1 to 30 characters."},
                    "colour": {"type": "string", "enum": ["red", "blue"], "description": "The list's colour."},
                    "times": {"type": ["integer", "null"], "description": "How often to do it, or null for once."},
                },
                "required": ["new_name", "colour", "times"],
                "additionalProperties": False,
            },
        )
    ]
    # Bound to a user: a `user` the model sends is ignored like any undeclared argument;
    # null takes the default; a number sent as text becomes a number.
    arguments = {"new_name": "Home", "colour": None, "times": "#2", "user": "someone else"}
    ran = BoundTools(registry, user).run(ToolCall(id="c1", name="rename_list", arguments_json=json.dumps(arguments)))
    assert ran.result == ToolFailure(error=f"{user.pk} Home red 2", code="seen")


def undocumented(*, user: User, name: str) -> dict:
    """Does a thing."""
    return {}


def positional(user: User, name: str) -> dict:
    """Does a thing.

    Args:
        name: A name.
    """
    return {}


def unsupported_type(*, user: User, ratio: float) -> dict:
    """Does a thing.

    Args:
        ratio: A ratio.
    """
    return {}


def unbound(*, name: str) -> dict:
    """Does a thing.

    Args:
        name: A name.
    """
    return {}


def undescribed(*, user: User) -> dict:
    return {}


def stale_docstring(*, user: User) -> dict:
    """Does a thing.

    Args:
        name: An argument it no longer takes.
    """
    return {}


def length_on_a_number(*, user: User, count: Annotated[int, Length(max=3)]) -> dict:
    """Does a thing.

    Args:
        count: A count.
    """
    return {}


@pytest.mark.parametrize(
    "function",
    [undocumented, positional, unsupported_type, unbound, undescribed, stale_docstring, length_on_a_number],
    ids=lambda function: function.__name__,
)
def test_a_declaration_the_schema_cannot_be_generated_from_fails_at_once(function: ToolFunction) -> None:
    with pytest.raises(TypeError):
        ToolRegistry().tool(function)


def does_a_thing(*, user: User) -> ToolResult:
    """Does a thing."""
    return ToolFailure(error="Nothing to do.", code="nothing")


def test_a_tool_name_is_registered_once() -> None:
    registry = ToolRegistry()
    registry.tool(does_a_thing)
    with pytest.raises(TypeError, match="already registered"):
        registry.tool(does_a_thing)


@pytest.mark.parametrize("tool", list(TOOLS), ids=lambda tool: tool.name)
def test_each_todo_tool_is_described_by_its_function(tool: Tool) -> None:
    function = getattr(tools, tool.name)
    parameters = tool.schema.parameters

    assert tool.function is function
    assert tool.description == " ".join((inspect.getdoc(function) or "").split("\n\n")[0].split())
    bound = ("user", "turn")  # the binding, never arguments
    declared = [name for name in inspect.signature(function).parameters if name not in bound]
    assert list(parameters["properties"]) == declared
    assert parameters["required"] == list(parameters["properties"])
    assert parameters["additionalProperties"] is False


def test_the_tools_and_arguments_the_agents_call_are_stable() -> None:
    declared = {tool.name: list(tool.schema.parameters["properties"]) for tool in TOOLS}
    assert declared == {
        "add_task": ["title", "description", "due", "priority", "repeat"],
        "list_tasks": ["status", "query", "due", "priority", "ordering", "offset"],
        "complete_task": ["task_id"],
        "reopen_task": ["task_id"],
        "delete_task": ["task_id"],
        "update_task": ["task_id", "title", "description", "due", "priority", "repeat"],
        "complete_tasks": ["task_ids"],
        "reopen_tasks": ["task_ids"],
        "delete_tasks": ["task_ids"],
        "update_tasks": ["task_ids", "due", "priority", "repeat"],
        "undo_last_turn": [],
    }


def test_limits_in_the_schema_come_from_the_model_constants() -> None:
    properties = {tool.name: tool.schema.parameters["properties"] for tool in TOOLS}

    assert properties["add_task"]["title"]["description"].endswith(f", 1 to {TITLE_MAX_LENGTH} characters.")
    assert properties["add_task"]["description"]["description"].endswith(
        f", at most {DESCRIPTION_MAX_LENGTH} characters."
    )
    assert properties["list_tasks"]["status"]["enum"] == list(TASK_STATUSES)
    source = inspect.getsource(tools)
    for limit in (TITLE_MAX_LENGTH, DESCRIPTION_MAX_LENGTH):
        assert str(limit) not in source


def test_the_system_prompt_names_the_tools_and_leaves_describing_them_to_the_tools() -> None:
    prompt = system_prompt(user_name="Ada", now=datetime(2025, 1, 6, 9, 0, tzinfo=ZoneInfo("UTC")))

    for tool in TOOLS:
        assert tool.name in prompt
        assert tool.description not in prompt


# One task representation: the REST API's.


def test_a_task_in_a_result_is_the_rest_representation(user: User, api_client: APIClient) -> None:
    added = run(user, "add_task", {"title": " Pay bills ", "description": None, "due": "2030-01-02T09:30"})
    listed = run(user, "list_tasks", {"status": "all"})

    assert added["success"] is True
    assert added["task"] == api_client.get(f"/api/{user.pk}/tasks/1").json()
    assert added["task"]["id"] == 1
    assert {"id", "title", "description", "completed", "due_date", "due_time", "priority", "overdue"} <= set(
        added["task"]
    )
    assert json.loads(json.dumps(listed)) == listed


def test_a_list_page_shows_the_compact_form_of_the_rest_representation(user: User) -> None:
    """A page shows the fields that tell tasks apart and plan them; the description and the
    repeat rule only when the task has one."""
    plain = run(user, "add_task", {"title": "Pay bills", "due": "2030-01-02", "priority": "high"})["task"]
    detailed = run(user, "add_task", {"title": "Gym", "description": "Legs", "repeat": "every monday"})["task"]

    listed = run(user, "list_tasks", {"status": "all"})["tasks"]

    compact = ("id", "title", "completed", "due_date", "due_time", "priority", "overdue")
    assert listed[0] == {name: plain[name] for name in compact}
    assert listed[1] == {
        **{name: detailed[name] for name in compact},
        "description": "Legs",
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
    }
    assert set(LISTED_FIELDS) == set(compact)


# The tool layer coerces types and calls the service.


@pytest.mark.parametrize("task_id", [2, "2", "#2", " #2 "])
def test_a_task_number_sent_as_text_is_the_number(user: User, task_id: int | str) -> None:
    TodoFactory.create(owner=user, title="One")
    TodoFactory.create(owner=user, title="Two")

    result = run(user, "complete_task", {"task_id": task_id})

    assert (result["success"], result["task"]["id"], result["task"]["completed"]) == (True, 2, True)


def test_a_null_argument_takes_the_default(user: User) -> None:
    TodoFactory.create(owner=user, title="Open")
    TodoFactory.create(owner=user, title="Done", completed=True)

    assert [task["title"] for task in run(user, "list_tasks", {"status": None})["tasks"]] == ["Open", "Done"]
    assert run(user, "add_task", {"title": "Bare", "description": None})["task"]["description"] == ""


def test_update_task_keeps_what_is_null(user: User) -> None:
    TodoFactory.create(owner=user, title="Old", description="Keep me")

    result = run(user, "update_task", {"task_id": 1, "title": "New", "description": None})

    assert (result["task"]["title"], result["task"]["description"]) == ("New", "Keep me")


# Failures are results with a code, never exceptions.


@pytest.mark.parametrize(
    ("name", "arguments", "code"),
    [
        pytest.param("add_task", "{title: not json", "invalid_arguments", id="not-json"),
        pytest.param("add_task", '["Buy milk"]', "invalid_arguments", id="not-an-object"),
        pytest.param("add_task", "[" * 100, "invalid_arguments", id="nested-too-deep"),
        pytest.param("add_task", '{"title": "Milk", "x": NaN}', "invalid_arguments", id="nan"),
        pytest.param("add_task", {"title": 42, "description": None}, "invalid_arguments", id="title-not-a-string"),
        pytest.param("add_task", {"description": "no title"}, "invalid_arguments", id="title-missing"),
        pytest.param("complete_task", {"task_id": "one"}, "invalid_arguments", id="task-id-not-a-number"),
        pytest.param("complete_task", {"task_id": "\u00b2"}, "invalid_arguments", id="superscript-digit"),
        pytest.param("complete_task", {"task_id": True}, "invalid_arguments", id="task-id-boolean"),
        pytest.param("list_tasks", {"status": 3}, "invalid_arguments", id="status-not-a-string"),
        pytest.param(
            "update_task", {"task_id": 1, "title": None, "description": None}, "invalid_arguments", id="no-change"
        ),
        pytest.param("drop_all_tables", {}, "unknown_tool", id="unknown-tool"),
        pytest.param("add_task", {"title": "   ", "description": None}, "invalid", id="blank-title"),
        pytest.param(
            "add_task", {"title": "x" * (TITLE_MAX_LENGTH + 1), "description": None}, "invalid", id="title-too-long"
        ),
        pytest.param(
            "update_task",
            {"task_id": 1, "title": None, "description": "y" * (DESCRIPTION_MAX_LENGTH + 1)},
            "invalid",
            id="description-too-long",
        ),
        pytest.param("list_tasks", {"status": "someday"}, "invalid", id="unknown-status"),
    ],
)
def test_a_failure_is_a_result_with_a_code(user: User, name: str, arguments: dict[str, Any], code: str) -> None:
    TodoFactory.create(owner=user, title="Existing")
    before = tasks_of(user)

    result = run(user, name, arguments)

    assert result["success"] is False
    assert result["code"] == code
    assert isinstance(result["error"], str) and result["error"]
    assert tasks_of(user) == before


def test_a_service_validation_error_is_its_code_and_message(user: User) -> None:
    assert run(user, "add_task", {"title": "", "description": None}) == {
        "success": False,
        "error": "title: A task needs a title.",
        "code": "invalid",
    }


def test_an_unknown_tool_names_the_tools_there_are(user: User) -> None:
    result = run(user, "drop_all_tables", {})

    assert result["code"] == "unknown_tool"
    assert all(name in result["error"] for name in TOOLS.names)


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("complete_task", {"task_id": 7}),
        ("delete_task", {"task_id": "#7"}),
        ("update_task", {"task_id": 7, "title": "New", "description": None}),
    ],
)
def test_an_unknown_task_number_is_task_not_found_with_the_number(
    user: User, name: str, arguments: dict[str, int | str | None]
) -> None:
    TodoFactory.create(owner=user)

    assert run(user, name, arguments) == {
        "success": False,
        "error": "Task 7 not found.",
        "code": "task_not_found",
        "task_id": 7,
    }


def test_an_unexpected_failure_is_tool_failed_and_logged(
    user: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def database_down(**kwargs: object) -> None:
        raise RuntimeError("connection lost")

    monkeypatch.setattr("todos.services.complete_task", database_down)
    TodoFactory.create(owner=user)

    with caplog.at_level(logging.ERROR, logger="chat.agent.tool_registry"):
        ran = Toolbox(user).run(ToolCall(id="c1", name="complete_task", arguments_json='{"task_id": 1}'))

    assert ran.arguments == {"task_id": 1}
    assert ran.result == ToolFailure(error="The tool 'complete_task' failed unexpectedly.", code="tool_failed")
    assert "connection lost" in caplog.text


# Bound to one user.


def test_the_tools_act_only_on_the_user_they_are_bound_to(user: User, other_user: User) -> None:
    TodoFactory.create(owner=other_user, title="Theirs 1")
    TodoFactory.create(owner=other_user, title="Theirs 2")
    theirs = tasks_of(other_user)
    stranger = {"user": str(other_user.pk), "user_id": str(other_user.pk), "owner": str(other_user.pk)}

    added = run(user, "add_task", {"title": "Mine", "description": None, **stranger})
    results = [
        run(user, "complete_task", {"task_id": 2, **stranger}),
        run(user, "update_task", {"task_id": 2, "title": "Hijacked", "description": None, **stranger}),
        run(user, "delete_task", {"task_id": 2, **stranger}),
    ]
    listed = run(user, "list_tasks", {"status": "all", **stranger})

    assert (added["success"], added["task"]["id"]) == (True, 1)
    assert [result.get("code") for result in results] == ["task_not_found"] * 3
    assert [task["title"] for task in listed["tasks"]] == ["Mine"]
    assert tasks_of(user) == [(1, "Mine", "", False)]
    assert tasks_of(other_user) == theirs
