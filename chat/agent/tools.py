"""The todo tools the model may call, each declared once: here.

A tool's name, description and strict JSON schema are generated from its function (how:
`chat.agent.tool_registry`), so adding a tool means writing one function below and its test
in `chat/tests/test_tools.py`. Limits come from `todos.models`; validation is
`todos.services`'; a tool only calls the service and returns the result.

A tool takes the task number as `task_id` and shows a task as the REST API does, whose `id`
is that number (the one mapping of the names: `todos.models.Todo`). Results are typed
(`chat.agent.messages.ToolResult`): a `TaskResult`, a `TaskPage`, an `UndoResult`, or a
`ToolFailure` such as `Task 7 not found.` (`task_not_found`, task 7).

Every change a tool makes to a task is reported to the turn it runs in (`TurnBinding`), which
records it with the turn's step, in the step's transaction; `undo_last_turn` asks the turn
to undo the last earlier turn's changes. Outside a turn (`Toolbox(user)` alone) nothing is
recorded and there is nothing to undo.
"""

from collections.abc import Callable
from typing import Annotated, Protocol

from accounts.models import User
from chat.agent import tool_registry
from chat.agent.messages import (
    InvalidArguments,
    TaskData,
    TaskPage,
    TaskResult,
    TaskTotals,
    ToolResult,
    UndoneChange,
    UndoResult,
)
from chat.agent.tool_registry import Length, ToolRegistry
from chat.errors import NothingToUndo
from config.errors import DomainError
from todos import services
from todos.errors import TaskNotFound, UndoConflict
from todos.models import DESCRIPTION_MAX_LENGTH, QUERY_MAX_LENGTH, TITLE_MAX_LENGTH, TaskStatus, Todo
from todos.serializers import TaskSerializer
from todos.services import TaskSnapshot


class TurnBinding(Protocol):
    """The turn a tool runs in, as the tools see it."""

    def record_change(
        self, *, action: str, number: int, before: TaskSnapshot | None, after: TaskSnapshot | None
    ) -> None:
        """Record one change to a task (in the caller's transaction)."""
        ...

    def undo_last_turn(self) -> list[tuple[str, Todo]]:
        """Undo the last earlier turn's task changes; returns (the action undone, the task as it
        is now, or as it was if the undo deleted it), in the order they were made. Raises
        `NothingToUndo` or `UndoConflict`."""
        ...


class NoTurn:
    """Tools run outside any turn: changes go unrecorded and nothing can be undone."""

    def record_change(
        self, *, action: str, number: int, before: TaskSnapshot | None, after: TaskSnapshot | None
    ) -> None:
        pass

    def undo_last_turn(self) -> list[tuple[str, Todo]]:
        raise NothingToUndo()


def _error_task(error: DomainError) -> int | None:
    # The number a "not found" or an undo conflict names, so a client need not read it from the message.
    if isinstance(error, TaskNotFound | UndoConflict):
        return error.number
    return None


TOOLS = ToolRegistry(error_task=_error_task)

# The most tasks one `list_tasks` result holds, so that a result stays a small part of the
# prompt however many tasks the user has.
LIST_PAGE_SIZE = 50


def task_data(task: Todo) -> TaskData:
    """A task as the REST API shows it."""
    return TaskData(**TaskSerializer(task).data)


def task_result(task: Todo) -> TaskResult:
    return TaskResult(task=task_data(task))


def _act_on(turn: TurnBinding, *, user: User, action: str, number: int, service: Callable[..., Todo]) -> ToolResult:
    """Run a one-task service (complete, reopen, delete) as a recorded change."""
    return task_result(
        _changing(turn, user=user, action=action, number=number, change=lambda: service(owner=user, number=number))
    )


def _changing(turn: TurnBinding, *, user: User, action: str, number: int, change: Callable[[], Todo]) -> Todo:
    """Run `change` on task `number` and report what it did to `turn`. In a turn this runs in
    the step's transaction, so the task's row stays locked from the snapshot before to the one
    after: the two describe exactly this change."""
    before = services.lock_task_snapshot(owner=user, number=number)
    task = change()
    after = None if action == "delete" else services.task_snapshot(task)
    if before != after:
        turn.record_change(action=action, number=task.number, before=before, after=after)
    return task


@TOOLS.tool
def add_task(
    *,
    user: User,
    turn: TurnBinding,
    title: Annotated[str, Length(min=1, max=TITLE_MAX_LENGTH)],
    description: Annotated[str | None, Length(max=DESCRIPTION_MAX_LENGTH)] = None,
) -> ToolResult:
    """Create a new task for the user.

    Args:
        title: Short title.
        description: Optional details.
    """
    task = services.add_task(owner=user, title=title, description=description)
    turn.record_change(action="add", number=task.number, before=None, after=services.task_snapshot(task))
    return task_result(task)


@TOOLS.tool
def list_tasks(
    *,
    user: User,
    status: TaskStatus = "all",
    query: Annotated[str | None, Length(max=QUERY_MAX_LENGTH)] = None,
    offset: int | None = 0,
) -> ToolResult:
    """List the user's tasks with their numbers, one page at a time in number order, with the user's
    task totals. To find a task the user names by its words, pass one or two of them as the query.

    Args:
        status: Which tasks to list.
        query: Null for every task, or words that must each appear in the task's title or description (any case).
        offset: How many of the matching tasks to skip: the next_offset of the page before, or null for the first.
    """
    page = services.list_task_page(
        owner=user, status=status, query=query or "", offset=offset or 0, size=LIST_PAGE_SIZE
    )
    return TaskPage(
        tasks=tuple(task_data(task) for task in page.tasks),
        offset=page.offset,
        next_offset=page.next_offset,
        remaining=page.remaining,
        matching=page.counts.matching,
        totals=TaskTotals(all=page.counts.all, pending=page.counts.pending, completed=page.counts.completed),
    )


@TOOLS.tool
def complete_task(*, user: User, turn: TurnBinding, task_id: int) -> ToolResult:
    """Mark one of the user's tasks as completed.

    Args:
        task_id: The task's number, as shown by list_tasks.
    """

    return _act_on(turn, user=user, action="complete", number=task_id, service=services.complete_task)


@TOOLS.tool
def reopen_task(*, user: User, turn: TurnBinding, task_id: int) -> ToolResult:
    """Mark one of the user's completed tasks as not done again.

    Args:
        task_id: The task's number, as shown by list_tasks.
    """

    return _act_on(turn, user=user, action="reopen", number=task_id, service=services.reopen_task)


@TOOLS.tool
def delete_task(*, user: User, turn: TurnBinding, task_id: int) -> ToolResult:
    """Delete one of the user's tasks.

    Args:
        task_id: The task's number, as shown by list_tasks.
    """

    return _act_on(turn, user=user, action="delete", number=task_id, service=services.delete_task)


@TOOLS.tool
def update_task(
    *, user: User, turn: TurnBinding, task_id: int, title: str | None = None, description: str | None = None
) -> ToolResult:
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

    def change() -> Todo:
        return services.update_task(owner=user, number=task_id, title=title, description=description)

    return task_result(_changing(turn, user=user, action="update", number=task_id, change=change))


@TOOLS.tool
def undo_last_turn(*, user: User, turn: TurnBinding) -> ToolResult:
    """Undo the task changes of the most recent earlier turn of this conversation that changed
    tasks and is not undone yet (asking again undoes the turn before it). Refused, changing
    nothing, when one of those tasks has changed since.
    """
    undone = turn.undo_last_turn()
    return UndoResult(undone=tuple(UndoneChange(action=action, task=task_data(task)) for action, task in undone))


class Toolbox(tool_registry.Toolbox):
    """The todo tools, bound to one user and to the turn they run in (none: `NoTurn`)."""

    def __init__(self, user: User, turn: TurnBinding | None = None) -> None:
        super().__init__(TOOLS, user, turn or NoTurn())
