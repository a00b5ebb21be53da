"""The MCP server: exactly the chat agent's tools (`chat.agent.tools.TOOLS`), each listed with
the name, description and argument schema of its declaration, plus what MCP clients read
besides: a title, the behaviour hints, and the JSON schema of its structured result. Those come
from the declaration too (`Tool.hints`: `@TOOLS.tool(title=..., read_only=..., destructive=...,
idempotent=..., result=...)`), so a new tool carries its MCP metadata.

A call runs the tool for the authenticated caller (`chat.mcp.serving` puts the `Caller` in the
request's scope): no argument names a user, and arguments a tool does not declare are ignored.
Its result is the tool's JSON result as `structuredContent` (and as text, for clients that read
only that); a failed tool call is `isError: true` with the error's `code` in it. An unknown tool
is a JSON-RPC error, as MCP asks.
"""

import inspect
import json
from dataclasses import dataclass
from typing import Any, cast

import mcp_types as types
from asgiref.sync import sync_to_async
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS
from rest_framework.request import Request

from accounts.models import User
from chat.agent.messages import ToolFailure, result_json
from chat.agent.tool_registry import ResultShape, Schema, Tool
from chat.agent.tools import TOOLS
from chat.mcp.records import run_recorded
from chat.throttles import ChatRateThrottle
from config.database import in_database

SERVER_NAME = "todo-assistant"
CALLER_SCOPE_KEY = "todo.mcp.caller"
# The JSON-RPC error code of a throttled call (implementation-defined server errors are -32000 to -32099).
THROTTLED = -32029


@dataclass(frozen=True)
class Caller:
    """Who makes an MCP request: the user, and what to call the credential in the record."""

    user: User
    source: str


# A task as the REST API shows it (a list page and a batch show a compact form: fewer of these);
# open, so a field added to tasks does not break the schema.
TASK_SCHEMA: Schema = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "description": "The task's number."},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "completed": {"type": "boolean"},
        "due_date": {"type": ["string", "null"], "description": "The user's local date, YYYY-MM-DD."},
        "due_time": {"type": ["string", "null"], "description": "The user's local time, HH:MM."},
        "priority": {"type": "string", "enum": ["none", "low", "medium", "high"]},
        "recurrence": {"type": ["string", "null"], "description": "An RRULE body: the task repeats."},
        "overdue": {"type": "boolean"},
        "completed_at": {"type": ["string", "null"]},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
    },
    "required": ["id"],
}
NEXT_DUE_SCHEMA: Schema = {
    "type": "string",
    "description": "Completing a repeating task moved it on to this date (the task stays open).",
}
# What every result has: `success`, and when it is false, `error` and `code` (and `task_id` for
# an unknown task or an undo conflict).
FAILURE_PROPERTIES: Schema = {
    "success": {"type": "boolean"},
    "error": {"type": "string", "description": "What went wrong, for people and models."},
    "code": {"type": "string", "description": "What went wrong, for programs: task_not_found, invalid ..."},
    "task_id": {"type": "integer"},
}
RESULT_PROPERTIES: dict[ResultShape, Schema] = {
    "task": {"task": TASK_SCHEMA, "next_due": NEXT_DUE_SCHEMA},
    "page": {
        "tasks": {"type": "array", "items": TASK_SCHEMA},
        "offset": {"type": "integer"},
        "next_offset": {"type": ["integer", "null"]},
        "remaining": {"type": "integer"},
        "matching": {"type": "integer"},
        "totals": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
    "undo": {
        "undone": {
            "type": "array",
            "items": {"type": "object", "properties": {"action": {"type": "string"}, "task": TASK_SCHEMA}},
        }
    },
    "batch": {
        "succeeded": {"type": "integer"},
        "failed": {"type": "integer"},
        "results": {
            "type": "array",
            "description": "One result per task, in the order asked: each a task's result or a failure.",
            "items": {
                "type": "object",
                "properties": {**FAILURE_PROPERTIES, "task": TASK_SCHEMA, "next_due": NEXT_DUE_SCHEMA},
                "required": ["success"],
            },
        },
    },
}


def input_schema(tool: Tool) -> Schema:
    """The tool's argument schema, as its declaration gives it, but requiring only the arguments
    that have no default (the model's strict schema requires them all, nullable)."""
    parameters = dict(tool.schema.parameters)
    parameters["required"] = [
        argument.name
        for argument in tool.arguments
        if argument.default is inspect.Parameter.empty and not argument.nullable
    ]
    return parameters


def output_schema(tool: Tool) -> Schema:
    return {
        "type": "object",
        "properties": {**FAILURE_PROPERTIES, **RESULT_PROPERTIES[tool.hints.result]},
        "required": ["success"],
    }


def mcp_tool(tool: Tool) -> types.Tool:
    metadata = tool.hints
    return types.Tool(
        name=tool.name,
        title=metadata.title,
        description=tool.description,
        input_schema=input_schema(tool),
        output_schema=output_schema(tool),
        annotations=types.ToolAnnotations(
            title=metadata.title,
            read_only_hint=metadata.read_only,
            destructive_hint=metadata.destructive,
            idempotent_hint=metadata.idempotent,
            open_world_hint=False,
        ),
    )


async def list_tools(
    ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
) -> types.ListToolsResult:
    return types.ListToolsResult(tools=[mcp_tool(tool) for tool in TOOLS])


def caller_of(ctx: ServerRequestContext[Any, Any]) -> Caller:
    caller = ctx.request.scope.get(CALLER_SCOPE_KEY) if ctx.request is not None else None
    if not isinstance(caller, Caller):  # `chat.mcp.serving` authenticates every request first
        raise MCPError(INVALID_PARAMS, "The request is not authenticated.")
    return caller


def _allowed(caller: Caller) -> float | None:
    """None if the caller may make another call now, else the seconds to wait (the chat's limit)."""
    throttle = ChatRateThrottle()
    request = cast(Request, type("ThrottledRequest", (), {"user": caller.user})())
    if throttle.allow_request(request, None):  # type: ignore[arg-type]  # the chat throttle reads only the user
        return None
    return throttle.wait() or 1.0


async def call_tool(ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams) -> types.CallToolResult:
    caller = caller_of(ctx)
    if TOOLS.get(params.name) is None:
        raise MCPError(INVALID_PARAMS, f"Unknown tool: {params.name}", data={"code": "unknown_tool"})
    wait = await sync_to_async(_allowed, thread_sensitive=False)(caller)
    if wait is not None:
        data = {"code": "throttled", "retry_after": int(wait) + 1}
        raise MCPError(THROTTLED, f"Request was throttled. Expected available in {int(wait) + 1} seconds.", data=data)
    result = await in_database(
        run_recorded, owner=caller.user, source=caller.source, name=params.name, arguments=params.arguments or {}
    )
    structured = result_json(result)
    return types.CallToolResult(
        content=[types.TextContent(text=json.dumps(structured))],
        structured_content=structured,
        is_error=isinstance(result, ToolFailure),
    )


def mcp_server() -> Server[Any]:
    return Server(SERVER_NAME, title="Todo assistant", on_list_tools=list_tools, on_call_tool=call_tool)
