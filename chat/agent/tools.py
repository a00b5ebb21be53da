"""The todo tools the model may call, bound to the requesting user.

No tool takes a user id: `Toolbox` is built for one user and every call acts on that user's
tasks only; a `user_id` (or any other unknown) argument the model sends is ignored. A tool
never raises into the loop: bad arguments and domain errors come back as
`{"success": false, "error": "..."}` for the model to read and recover from.
"""

import json
import logging
import math
import re
from collections.abc import Callable
from typing import Any

from accounts.models import User
from chat.agent.model import clean_text
from config.errors import DomainError
from todos import services
from todos.models import TASK_STATUSES, Todo

ToolResult = dict[str, Any]

logger = logging.getLogger(__name__)


class InvalidArguments(Exception):
    pass


def task_summary(task: Todo) -> dict[str, Any]:
    return {"id": task.number, "title": task.title, "description": task.description, "completed": task.completed}


def _function(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "strict": True,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": list(properties),
                "additionalProperties": False,
            },
        },
    }


TASK_ID = {"type": "integer", "description": "The task's number, as shown by list_tasks."}
OPTIONAL_TEXT = {"type": ["string", "null"]}

TOOL_SCHEMAS: list[dict[str, Any]] = [
    _function(
        "add_task",
        "Create a new task for the user.",
        {
            "title": {"type": "string", "description": "Short title, 1 to 200 characters."},
            "description": {**OPTIONAL_TEXT, "description": "Optional details, at most 1000 characters."},
        },
    ),
    _function(
        "list_tasks",
        "List the user's tasks with their numbers. Use it to find a task the user names by its words.",
        {"status": {"type": "string", "enum": list(TASK_STATUSES), "description": "Which tasks to list."}},
    ),
    _function("complete_task", "Mark one of the user's tasks as completed.", {"task_id": TASK_ID}),
    _function("delete_task", "Delete one of the user's tasks.", {"task_id": TASK_ID}),
    _function(
        "update_task",
        "Change the title and/or description of one of the user's tasks. Pass null for what stays.",
        {
            "task_id": TASK_ID,
            "title": {**OPTIONAL_TEXT, "description": "New title, or null to keep it."},
            "description": {**OPTIONAL_TEXT, "description": "New description, or null to keep it."},
        },
    ),
]

# Models sometimes send the number as text ("3", "#3"); ASCII digits only ("²" is a digit to str.isdigit).
TASK_NUMBER_TEXT = re.compile(r"#?(\d{1,10})", re.ASCII)

TOOL_NAMES = frozenset(schema["function"]["name"] for schema in TOOL_SCHEMAS)


MAX_ARGUMENT_DEPTH = 8


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError("number out of range")
    return number


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in `value`, without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, level + 1) for child in children)
    return deepest


def parse_arguments(arguments_json: str) -> dict[str, Any]:
    """A tool call's arguments as a dict of storable values, or `InvalidArguments`.

    Strict JSON: NaN, Infinity and numbers beyond a float's range are refused (neither
    database nor a JSON response can hold them), and so is deep nesting."""
    try:
        arguments = json.loads(arguments_json or "{}", parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError, TypeError):  # ValueError covers JSONDecodeError
        raise InvalidArguments("The arguments were not valid JSON.") from None
    if not isinstance(arguments, dict):
        raise InvalidArguments("The arguments must be a JSON object.")
    if _depth(arguments) > MAX_ARGUMENT_DEPTH:
        raise InvalidArguments("The arguments are nested too deeply.")
    return clean_text(arguments)


def _task_id(arguments: dict[str, Any]) -> int:
    value = arguments.get("task_id")
    if isinstance(value, str) and (number := TASK_NUMBER_TEXT.fullmatch(value.strip())):
        value = int(number.group(1))
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArguments("task_id must be a task number (an integer).")
    return value


def _optional_text(arguments: dict[str, Any], name: str) -> str | None:
    value = arguments.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidArguments(f"{name} must be a string or null.")
    return value


def _error_text(error: DomainError) -> str:
    if isinstance(error.detail, dict):
        return " ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in error.detail.items())
    return str(error.detail)


class Toolbox:
    """The tools, bound to one user."""

    schemas = TOOL_SCHEMAS

    def __init__(self, user: User) -> None:
        self.user = user
        self._tools: dict[str, Callable[[dict[str, Any]], ToolResult]] = {
            "add_task": self.add_task,
            "list_tasks": self.list_tasks,
            "complete_task": self.complete_task,
            "delete_task": self.delete_task,
            "update_task": self.update_task,
        }

    def run(self, *, name: str, arguments_json: str) -> tuple[dict[str, Any], ToolResult]:
        """Run one tool call; returns the parsed arguments and the result. Never raises."""
        try:
            arguments = parse_arguments(arguments_json)
        except InvalidArguments as error:
            return {}, {"success": False, "error": str(error)}
        tool = self._tools.get(name)
        if tool is None:
            known = ", ".join(sorted(TOOL_NAMES))
            return arguments, {"success": False, "error": f"Unknown tool '{name}'. Available tools: {known}."}
        try:
            return arguments, tool(arguments)
        except InvalidArguments as error:
            return arguments, {"success": False, "error": str(error)}
        except DomainError as error:
            return arguments, {"success": False, "error": _error_text(error)}
        except Exception:
            # A bug or a database failure: the model hears that the tool failed, the turn and
            # everything it already did are still stored, and the traceback goes to the log.
            logger.exception("tool %s failed", name)
            return arguments, {"success": False, "error": f"The tool '{name}' failed unexpectedly."}

    def add_task(self, arguments: dict[str, Any]) -> ToolResult:
        title = arguments.get("title")
        if not isinstance(title, str):
            raise InvalidArguments("title must be a string.")
        description = _optional_text(arguments, "description") or ""
        task = services.add_task(owner=self.user, title=title, description=description)
        return {"success": True, "task": task_summary(task)}

    def list_tasks(self, arguments: dict[str, Any]) -> ToolResult:
        status = arguments.get("status") or "all"
        if status not in TASK_STATUSES:
            raise InvalidArguments(f"status must be one of: {', '.join(TASK_STATUSES)}.")
        tasks = services.list_tasks(owner=self.user, status=status)
        return {"success": True, "tasks": [task_summary(task) for task in tasks]}

    def complete_task(self, arguments: dict[str, Any]) -> ToolResult:
        task = services.complete_task(owner=self.user, number=_task_id(arguments))
        return {"success": True, "task": task_summary(task)}

    def delete_task(self, arguments: dict[str, Any]) -> ToolResult:
        task = services.delete_task(owner=self.user, number=_task_id(arguments))
        return {"success": True, "task": task_summary(task)}

    def update_task(self, arguments: dict[str, Any]) -> ToolResult:
        number = _task_id(arguments)
        title = _optional_text(arguments, "title")
        description = _optional_text(arguments, "description")
        if title is None and description is None:
            raise InvalidArguments("Give a new title or a new description.")
        task = services.update_task(owner=self.user, number=number, title=title, description=description)
        return {"success": True, "task": task_summary(task)}
