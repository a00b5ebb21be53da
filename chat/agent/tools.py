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
from typing import Annotated, Literal, Protocol, cast

from django.db import transaction

from accounts.models import User
from chat.agent import tool_registry
from chat.agent.messages import (
    BatchResult,
    InvalidArguments,
    TaskData,
    TaskPage,
    TaskResult,
    TaskTotals,
    ToolFailure,
    ToolResult,
    UndoneChange,
    UndoResult,
)
from chat.agent.planning import due_plan
from chat.agent.tool_registry import Length, ToolRegistry, error_text
from chat.errors import NothingToUndo
from config.errors import DomainError
from todos import services
from todos.due import DUE_STRING_MAX_LENGTH
from todos.errors import TaskNotFound, UndoConflict
from todos.models import (
    DESCRIPTION_MAX_LENGTH,
    QUERY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    DueWindow,
    Priority,
    TaskStatus,
    Todo,
)
from todos.recurrence import RECURRENCE_MAX_LENGTH
from todos.serializers import PlannedTaskSerializer
from todos.services import UNSET, TaskSnapshot


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
# What a task in a `list_tasks` page shows, and what it shows only when the task has one.
LISTED_FIELDS = ("id", "title", "completed", "due_date", "due_time", "priority", "overdue")
LISTED_IF_SET = ("description", "recurrence")
# The orders `list_tasks` takes: `todos.models.TASK_ORDERINGS`, each maybe descending.
Ordering = Literal[
    "number", "-number", "due", "-due", "priority", "-priority", "created_at", "-created_at",
    "completed_at", "-completed_at",
]  # fmt: skip


def task_data(task: Todo) -> TaskData:
    """A task as the REST API shows it, planning fields included."""
    return TaskData(**PlannedTaskSerializer(task).data)


def listed_task_data(task: Todo) -> TaskData:
    """A task in a `list_tasks` page: the REST representation's fields that tell tasks apart and
    plan them (`LISTED_FIELDS`), and its description and repeat rule only when it has them, so
    that a page of 50 stays a small part of the prompt."""
    data: dict[str, object] = dict(task_data(task))
    listed = {name: data[name] for name in LISTED_FIELDS}
    listed.update((name, data[name]) for name in LISTED_IF_SET if data[name])
    return cast(TaskData, listed)


def task_result(task: Todo, *, action: str = "", show: Callable[[Todo], TaskData] = task_data) -> TaskResult:
    """The task as `show` shows it; after a "complete" that left it open (it repeats and moved
    on to its next date), with that date as `next_due`."""
    moved_on = action == "complete" and not task.completed and task.due_date is not None
    return TaskResult(task=show(task), next_due=task.due_date.isoformat() if moved_on and task.due_date else None)


def _service(action: str) -> Callable[..., Todo]:
    """The one-task service of `action` (complete, reopen, delete): `services.<action>_task`,
    looked up when called."""
    service: Callable[..., Todo] = getattr(services, f"{action}_task")
    return service


def _act_on(turn: TurnBinding, *, user: User, action: str, number: int) -> ToolResult:
    """Run a one-task service (complete, reopen, delete) as a recorded change."""
    service = _service(action)
    task = _changing(turn, user=user, action=action, number=number, change=lambda: service(owner=user, number=number))
    return task_result(task, action=action)


def _each(
    turn: TurnBinding, *, user: User, action: str, numbers: list[int], change: Callable[[int], Callable[[], Todo]]
) -> BatchResult:
    """Run `change(number)` on each task as its own recorded change, in a savepoint: a task that
    fails (not found, words that cannot be read) changes nothing and is reported with its code
    and number; the others change all the same. All are changes of the one turn, so one undo
    reverts them together. A task shows in the compact form of a list page."""
    results: list[TaskResult | ToolFailure] = []
    for number in numbers:
        try:
            with transaction.atomic():
                task = _changing(turn, user=user, action=action, number=number, change=change(number))
        except DomainError as error:
            results.append(ToolFailure(error_text(error), error.code, number))
        else:
            results.append(task_result(task, action=action, show=listed_task_data))
    return BatchResult(results=tuple(results))


def _acting_on(user: User, action: str) -> Callable[[int], Callable[[], Todo]]:
    service = _service(action)
    return lambda number: lambda: service(owner=user, number=number)


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


def _update(
    *,
    user: User,
    number: int,
    title: str | None = None,
    description: str | None = None,
    due: str | None,
    priority: str | None,
    repeat: str | None,
) -> Callable[[], Todo]:
    """The change `update_task` makes to task `number`; `due` and `repeat` are read for that task
    (a repeat given to a task without a due date makes it due on the first occurrence)."""

    def change() -> Todo:
        before = services.lock_task_snapshot(owner=user, number=number)
        if before is None:
            raise TaskNotFound(number)
        plan = due_plan(owner=user, due=due, repeat=repeat, has_date=before["due_date"] is not None)
        return services.update_task(
            owner=user,
            number=number,
            title=title,
            description=description,
            priority=priority,
            due_date=plan.due_date,
            due_time=plan.due_time,
            recurrence=plan.recurrence,
        )

    return change


@TOOLS.tool(title="Add a task")
def add_task(
    *,
    user: User,
    turn: TurnBinding,
    title: Annotated[str, Length(min=1, max=TITLE_MAX_LENGTH)],
    description: Annotated[str | None, Length(max=DESCRIPTION_MAX_LENGTH)] = None,
    due: Annotated[str | None, Length(max=DUE_STRING_MAX_LENGTH)] = None,
    priority: Priority | None = None,
    repeat: Annotated[str | None, Length(max=RECURRENCE_MAX_LENGTH)] = None,
) -> ToolResult:
    """Create a new task for the user.

    Args:
        title: Short title.
        description: Optional details.
        due: When it is due, in the user's own time: an ISO date or date-time, or words such as
            'tomorrow', 'next friday at 5pm', 'in 3 days', 'every monday at 9'. Null: no due date.
        priority: How important it is. Null: none.
        repeat: How it repeats: words such as 'every monday', 'daily', 'weekdays', 'monthly on the 1st',
            or an RRULE body (FREQ=WEEKLY;BYDAY=MO). Null: it does not repeat.
    """
    plan = due_plan(owner=user, due=due, repeat=repeat, has_date=False)
    task = services.add_task(
        owner=user,
        title=title,
        description=description,
        due_date=None if plan.due_date is UNSET else plan.due_date,
        due_time=None if plan.due_time is UNSET else plan.due_time,
        recurrence=None if plan.recurrence is UNSET else plan.recurrence,
        priority=priority,
    )
    turn.record_change(action="add", number=task.number, before=None, after=services.task_snapshot(task))
    return task_result(task)


@TOOLS.tool(title="List tasks", read_only=True, idempotent=True, result="page")
def list_tasks(
    *,
    user: User,
    status: TaskStatus = "all",
    query: Annotated[str | None, Length(max=QUERY_MAX_LENGTH)] = None,
    due: DueWindow | None = None,
    priority: str | None = None,
    ordering: Ordering | None = None,
    offset: int | None = 0,
) -> ToolResult:
    """List the user's tasks with their numbers, one page at a time (in number order unless told
    otherwise), with the user's task totals. To find a task the user names by its words, pass one
    or two of them as the query. Dates and times are the user's own.

    Args:
        status: Which tasks to list.
        query: Null for every task, or words that must each appear in the task's title or description (any case).
        due: Null for any, or only the tasks due in this window of the user's days: overdue (open ones only),
            today, tomorrow, this_week (today to Sunday), next_7_days (today and the 6 days after), no_date.
        priority: Null for any, or one priority (none, low, medium, high) or several, comma separated ('high,medium').
        ordering: Null for by number, or the order: due, priority, created_at, completed_at or number; a '-' first
            for descending ('-priority': the most important first). Tasks without a due date come last.
        offset: How many of the matching tasks to skip: the next_offset of the page before, or null for the first.
    """
    page = services.list_task_page(
        owner=user,
        status=status,
        query=query or "",
        due=due,
        priority=priority,
        ordering=ordering or "number",
        offset=offset or 0,
        size=LIST_PAGE_SIZE,
    )
    return TaskPage(
        tasks=tuple(listed_task_data(task) for task in page.tasks),
        offset=page.offset,
        next_offset=page.next_offset,
        remaining=page.remaining,
        matching=page.counts.matching,
        totals=TaskTotals(all=page.counts.all, pending=page.counts.pending, completed=page.counts.completed),
    )


@TOOLS.tool(title="Complete a task", idempotent=True)
def complete_task(*, user: User, turn: TurnBinding, task_id: int) -> ToolResult:
    """Mark one of the user's tasks as completed.

    Args:
        task_id: The task's number, as shown by list_tasks.
    """

    return _act_on(turn, user=user, action="complete", number=task_id)


@TOOLS.tool(title="Reopen a task", idempotent=True)
def reopen_task(*, user: User, turn: TurnBinding, task_id: int) -> ToolResult:
    """Mark one of the user's completed tasks as not done again.

    Args:
        task_id: The task's number, as shown by list_tasks.
    """

    return _act_on(turn, user=user, action="reopen", number=task_id)


@TOOLS.tool(title="Delete a task", destructive=True, idempotent=True)
def delete_task(*, user: User, turn: TurnBinding, task_id: int) -> ToolResult:
    """Delete one of the user's tasks.

    Args:
        task_id: The task's number, as shown by list_tasks.
    """

    return _act_on(turn, user=user, action="delete", number=task_id)


@TOOLS.tool(title="Update a task", idempotent=True)
def update_task(
    *,
    user: User,
    turn: TurnBinding,
    task_id: int,
    title: str | None = None,
    description: str | None = None,
    due: Annotated[str | None, Length(max=DUE_STRING_MAX_LENGTH)] = None,
    priority: Priority | None = None,
    repeat: Annotated[str | None, Length(max=RECURRENCE_MAX_LENGTH)] = None,
) -> ToolResult:
    """Change one of the user's tasks: its title, description, due date, priority or repeat.
    Pass null for what stays.

    Args:
        task_id: The task's number, as shown by list_tasks.
        title: New title, or null to keep it.
        description: New description, or null to keep it.
        due: New due date (and time), in the user's own time: an ISO date or date-time, or words such as
            'friday', 'tomorrow at 9am', 'in 2 weeks'; 'none' removes it. Null to keep it.
        priority: New priority, or null to keep it.
        repeat: New repeat: words such as 'every monday', 'daily', 'weekdays', or an RRULE body; 'none' stops it
            repeating. Null to keep it.
    """
    # The tool's own contract, not the domain's: a PATCH with no fields is valid REST, but a
    # model that changes nothing has misunderstood the request and should hear so.
    if all(value is None for value in (title, description, due, priority, repeat)):
        raise InvalidArguments("Give a new title, description, due, priority or repeat.")
    change = _update(
        user=user, number=task_id, title=title, description=description, due=due, priority=priority, repeat=repeat
    )
    return task_result(_changing(turn, user=user, action="update", number=task_id, change=change))


# Batches: several tasks in one call, each on its own (`_each`).

# The most tasks one batch call acts on.
BATCH_MAX = 50
TaskNumbers = Annotated[list[int], Length(min=1, max=BATCH_MAX)]


@TOOLS.tool(title="Complete tasks", idempotent=True, result="batch")
def complete_tasks(*, user: User, turn: TurnBinding, task_ids: TaskNumbers) -> ToolResult:
    """Mark several of the user's tasks as completed in one call, each on its own: a task that
    cannot be completed is reported with its code and the others are completed all the same.
    A repeating task moves on to its next due date instead.

    Args:
        task_ids: The tasks' numbers, as shown by list_tasks.
    """
    return _each(turn, user=user, action="complete", numbers=task_ids, change=_acting_on(user, "complete"))


@TOOLS.tool(title="Reopen tasks", idempotent=True, result="batch")
def reopen_tasks(*, user: User, turn: TurnBinding, task_ids: TaskNumbers) -> ToolResult:
    """Mark several of the user's completed tasks as not done again in one call, each on its own.

    Args:
        task_ids: The tasks' numbers, as shown by list_tasks.
    """
    return _each(turn, user=user, action="reopen", numbers=task_ids, change=_acting_on(user, "reopen"))


@TOOLS.tool(title="Delete tasks", destructive=True, idempotent=True, result="batch")
def delete_tasks(*, user: User, turn: TurnBinding, task_ids: TaskNumbers) -> ToolResult:
    """Delete several of the user's tasks in one call, each on its own.

    Args:
        task_ids: The tasks' numbers, as shown by list_tasks.
    """
    return _each(turn, user=user, action="delete", numbers=task_ids, change=_acting_on(user, "delete"))


@TOOLS.tool(title="Update tasks", idempotent=True, result="batch")
def update_tasks(
    *,
    user: User,
    turn: TurnBinding,
    task_ids: TaskNumbers,
    due: Annotated[str | None, Length(max=DUE_STRING_MAX_LENGTH)] = None,
    priority: Priority | None = None,
    repeat: Annotated[str | None, Length(max=RECURRENCE_MAX_LENGTH)] = None,
) -> ToolResult:
    """Give several of the user's tasks the same due date, priority or repeat in one call, each on
    its own: a task that cannot take it is reported with its code, the others change all the same.
    Pass null for what stays.

    Args:
        task_ids: The tasks' numbers, as shown by list_tasks.
        due: New due date (and time) in the user's own time, as update_task takes it; 'none' removes it.
            Null to keep it.
        priority: New priority, or null to keep it.
        repeat: New repeat, as update_task takes it; 'none' stops it repeating. Null to keep it.
    """
    if all(value is None for value in (due, priority, repeat)):
        raise InvalidArguments("Give a new due, priority or repeat.")

    def change(number: int) -> Callable[[], Todo]:
        return _update(user=user, number=number, due=due, priority=priority, repeat=repeat)

    return _each(turn, user=user, action="update", numbers=task_ids, change=change)


@TOOLS.tool(title="Undo the last change", result="undo")
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
