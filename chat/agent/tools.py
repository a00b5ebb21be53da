"""The todo tools the model may call, each declared once: here.

A tool's name, description and strict JSON schema are generated from its function (how:
`chat.agent.tool_registry`), so adding a tool means writing one function below and its test
in `chat/tests/test_tools.py`. Limits come from `todos.models`; validation is
`todos.services`'; a tool only calls the service and returns the result.

A tool takes the task number as `task_id` and shows a task as the REST API does, whose `id`
is that number (the one mapping of the names: `todos.models.Todo`). Results:

    {"success": true, "task": {"id": 3, "title": ..., "description": ..., "completed": ..., ...}}
    {"success": true, "tasks": [...]}
    {"success": false, "error": "Task 7 not found.", "code": "task_not_found", "task_id": 7}
"""

from typing import Annotated, Any

from accounts.models import User
from chat.agent import tool_registry
from chat.agent.tool_registry import InvalidArguments, Length, ToolRegistry, ToolResult
from config.errors import DomainError
from todos import services
from todos.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, TaskStatus, Todo
from todos.serializers import TaskSerializer


def _error_details(error: DomainError) -> dict[str, Any]:
    # The number a "not found" names, so a client need not read it from the message.
    return {"task_id": error.number} if isinstance(error, services.TaskNotFound) else {}


TOOLS = ToolRegistry(error_details=_error_details)


def task_result(task: Todo) -> ToolResult:
    return {"success": True, "task": dict(TaskSerializer(task).data)}


@TOOLS.tool
def add_task(
    *,
    user: User,
    title: Annotated[str, Length(min=1, max=TITLE_MAX_LENGTH)],
    description: Annotated[str | None, Length(max=DESCRIPTION_MAX_LENGTH)] = None,
) -> ToolResult:
    """Create a new task for the user.

    Args:
        title: Short title.
        description: Optional details.
    """
    return task_result(services.add_task(owner=user, title=title, description=description))


@TOOLS.tool
def list_tasks(*, user: User, status: TaskStatus = "all") -> ToolResult:
    """List the user's tasks with their numbers. Use it to find a task the user names by its words.

    Args:
        status: Which tasks to list.
    """
    tasks = services.list_tasks(owner=user, status=status)
    return {"success": True, "tasks": [dict(task) for task in TaskSerializer(tasks, many=True).data]}


@TOOLS.tool
def complete_task(*, user: User, task_id: int) -> ToolResult:
    """Mark one of the user's tasks as completed.

    Args:
        task_id: The task's number, as shown by list_tasks.
    """
    return task_result(services.complete_task(owner=user, number=task_id))


@TOOLS.tool
def delete_task(*, user: User, task_id: int) -> ToolResult:
    """Delete one of the user's tasks.

    Args:
        task_id: The task's number, as shown by list_tasks.
    """
    return task_result(services.delete_task(owner=user, number=task_id))


@TOOLS.tool
def update_task(*, user: User, task_id: int, title: str | None = None, description: str | None = None) -> ToolResult:
    """Change the title and/or description of one of the user's tasks. Pass null for what stays.

    Args:
        task_id: The task's number, as shown by list_tasks.
        title: New title, or null to keep it.
        description: New description, or null to keep it.
    """
    # The tool's own contract, not the domain's: a PATCH with no fields is valid REST, but a
    # model that changes nothing has misunderstood the request and should hear so.
    if title is None and description is None:
        raise InvalidArguments("Give a new title or a new description.")
    return task_result(services.update_task(owner=user, number=task_id, title=title, description=description))


class Toolbox(tool_registry.Toolbox):
    """The todo tools, bound to one user."""

    def __init__(self, user: User) -> None:
        super().__init__(TOOLS, user)
