"""The MCP listing of the chat agent's tools, in process: every tool has its MCP metadata, and
the schemas come from the tools' declarations."""

from chat.agent.tools import TOOLS
from chat.mcp.tools import METADATA, mcp_tool


def test_every_registered_tool_has_its_mcp_metadata_and_no_other() -> None:
    assert set(METADATA) == set(TOOLS.names)


def test_the_listing_is_the_declarations() -> None:
    for tool in TOOLS:
        listed = mcp_tool(tool)
        declared = tool.schema["function"]
        assert (listed.name, listed.description) == (declared["name"], declared["description"])
        assert listed.input_schema["properties"] == declared["parameters"]["properties"]
        assert set(listed.input_schema["required"]) <= set(declared["parameters"]["required"])


def test_hints_are_explicit_on_every_tool() -> None:
    for tool in TOOLS:
        hints = mcp_tool(tool).annotations
        assert hints is not None
        assert hints.destructive_hint is (tool.name == "delete_task")
        assert hints.read_only_hint is (tool.name == "list_tasks")
        assert hints.idempotent_hint is not None and hints.title
