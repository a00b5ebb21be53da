"""The MCP listing of the chat agent's tools, in process: every tool carries its MCP metadata in
its declaration, and the schemas come from the tools' declarations."""

from typing import Any

import pytest

from accounts.models import User
from chat.agent.messages import BatchResult, TaskResult, ToolFailure, result_json
from chat.agent.tool_registry import ToolRegistry
from chat.agent.tools import TOOLS
from chat.mcp.tools import RESULT_PROPERTIES, mcp_tool

READ_ONLY = {"list_tasks"}
DESTRUCTIVE = {"delete_task", "delete_tasks"}
BATCHES = {"complete_tasks", "reopen_tasks", "delete_tasks", "update_tasks"}


def test_every_registered_tool_declares_its_mcp_metadata() -> None:
    assert BATCHES <= set(TOOLS.names)
    for tool in TOOLS:
        assert tool.hints.title and tool.hints.result in RESULT_PROPERTIES
        assert (tool.hints.result == "batch") is (tool.name in BATCHES)


def test_a_bare_declaration_takes_default_hints() -> None:
    registry = ToolRegistry()

    @registry.tool
    def rename_list(*, user: User, name: str) -> Any:
        """Rename the list.

        Args:
            name: The new name.
        """

    tool = registry.get("rename_list")
    assert tool is not None
    assert (tool.hints.title, tool.hints.read_only, tool.hints.destructive, tool.hints.result) == (
        "Rename list",
        False,
        False,
        "task",
    )


def test_the_listing_is_the_declarations() -> None:
    for tool in TOOLS:
        listed = mcp_tool(tool)
        declared = tool.schema
        assert (listed.name, listed.description) == (declared.name, declared.description)
        assert listed.title == tool.hints.title
        assert listed.input_schema["properties"] == declared.parameters["properties"]
        assert set(listed.input_schema["required"]) <= set(declared.parameters["required"])


def test_hints_are_explicit_on_every_tool() -> None:
    for tool in TOOLS:
        hints = mcp_tool(tool).annotations
        assert hints is not None
        assert hints.destructive_hint is (tool.name in DESTRUCTIVE)
        assert hints.read_only_hint is (tool.name in READ_ONLY)
        assert hints.idempotent_hint is not None and hints.title


def test_a_batch_tool_takes_a_list_of_numbers_and_lists_its_per_task_results() -> None:
    tool = TOOLS.get("complete_tasks")
    assert tool is not None
    listed = mcp_tool(tool)

    assert listed.input_schema["properties"]["task_ids"]["type"] == "array"
    assert listed.input_schema["properties"]["task_ids"]["items"] == {"type": "integer"}
    assert listed.input_schema["required"] == ["task_ids"]
    assert listed.output_schema is not None
    assert {"results", "succeeded", "failed"} <= set(listed.output_schema["properties"])


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_a_batch_result_fits_its_output_schema(name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    tool = TOOLS.get(name)
    assert tool is not None
    result = BatchResult(
        results=(
            TaskResult(
                task={"id": 1, "title": "Gym", "completed": False, "due_date": "2026-12-14"}, next_due="2026-12-14"
            ),
            ToolFailure("Task 9 not found.", "task_not_found", 9),
        )
    )

    jsonschema.validate(result_json(result), mcp_tool(tool).output_schema)
