"""The todo operations. Both the REST views and the chat agent's tools call these.

Every function takes the owner explicitly and only ever touches that owner's tasks; tasks
are addressed by their per-user `number` (REST and the tools call it `id` / `task_id`: see
`todos.models.Todo`). The values are validated here and only here: callers check types, not
values. Invalid input raises `InvalidTaskInput` (or one of its coded kinds in `todos.errors`),
an unknown number raises `TaskNotFound`. Reads live in `todos.selectors`; `list_tasks` and
`list_task_page` stay here as the checked entry to them.

Planning: a task may have a due date (a calendar date in the owner's zone), a local due time
(only with a date), a priority and a repeat rule (an RRULE body, only with a date). Callers
give them as values or as words (`due_string`, read by `todos.due` in the owner's zone).
Completing a repeating task moves its due date to the next occurrence and leaves it open.

Undo support: `task_snapshot` is a task's state as plain JSON data (due fields, priority,
repeat rule and `completed_at` included), and `revert_task` puts a
task back into an earlier snapshot (recreating a deleted task with its own number, the one way
a number is ever used again) provided it is still in the state the change left it in.
Who records changes and when is the caller's business; this module knows nothing of it.
"""

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from enum import Enum
from typing import Final, Literal, TypedDict, Unpack

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.time_zones import local_now
from todos.due import parse_due
from todos.errors import (
    ConflictingDue,
    DueTimeWithoutDate,
    InvalidDueDate,
    InvalidDueTime,
    InvalidPriority,
    InvalidTaskInput,
    RecurrenceWithoutDate,
    TaskNotFound,
    UndoConflict,
)
from todos.models import (
    DESCRIPTION_MAX_LENGTH,
    DUE_WINDOWS,
    PRIORITIES,
    QUERY_MAX_LENGTH,
    QUERY_MAX_WORDS,
    TASK_ORDERINGS,
    TASK_STATUSES,
    TITLE_MAX_LENGTH,
    DueWindow,
    Priority,
    TaskCounter,
    TaskStatus,
    Todo,
)
from todos.recurrence import clean_rule, next_after
from todos.selectors import MAX_NUMBER, TaskFilter, TaskPage, find_task, task_page, tasks_for


class Unset(Enum):
    """A field a caller leaves as it is (None would clear it)."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET
Keep = Literal[Unset.UNSET]

# The fields a snapshot compares: what a user can change.
SNAPSHOT_FIELDS = ("title", "description", "completed", "due_date", "due_time", "priority", "recurrence")
# What a snapshot taken before these fields existed stands for.
_SNAPSHOT_DEFAULTS: dict[str, str | None] = {"due_date": None, "due_time": None, "priority": "none", "recurrence": None}


class TaskSnapshot(TypedDict, total=False):
    """A task's state as JSON data (`task_snapshot`): what an undo restores. One taken before
    the planning fields existed has none of them."""

    number: int
    title: str
    description: str
    completed: bool
    created_at: str
    due_date: str | None
    due_time: str | None
    priority: str
    recurrence: str | None
    completed_at: str | None


def _clean_title(title: object) -> str:
    if not isinstance(title, str) or not title.strip():
        raise InvalidTaskInput({"title": ["A task needs a title."]})
    if "\x00" in title:
        raise InvalidTaskInput({"title": ["Null characters are not allowed."]})
    title = title.strip()
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidTaskInput({"title": [f"Ensure this field has no more than {TITLE_MAX_LENGTH} characters."]})
    return title


def _clean_description(description: object) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        raise InvalidTaskInput({"description": ["Not a valid string."]})
    if "\x00" in description:
        raise InvalidTaskInput({"description": ["Null characters are not allowed."]})
    description = description.strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise InvalidTaskInput(
            {"description": [f"Ensure this field has no more than {DESCRIPTION_MAX_LENGTH} characters."]}
        )
    return description


def _next_number(*, owner: User) -> int:
    """Hand out the owner's next task number in one statement.

    An upsert (the same SQL on PostgreSQL and SQLite 3.35+): the first task creates the
    counter, later ones increment it. The row stays locked until the caller's transaction
    commits, so concurrent creates for one user queue on it and get distinct numbers.
    """
    table = connection.ops.quote_name(TaskCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (owner_id, last_number) VALUES (%s, 1) "  # noqa: S608 - table name from the model
            f"ON CONFLICT (owner_id) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [TaskCounter._meta.pk.get_db_prep_value(owner.pk, connection)],
        )
        return int(cursor.fetchone()[0])


def _clean_priority(priority: object) -> Priority:
    for name in PRIORITIES:
        if priority == name:
            return name
    raise InvalidPriority()


def _clean_date(value: object) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    raise InvalidDueDate()


def _clean_time(value: object) -> time | None:
    if value is None:
        return None
    if not isinstance(value, time):
        raise InvalidDueTime()
    return value.replace(second=0, microsecond=0, tzinfo=None)


Due = tuple[date | None, time | None, str]


def _planned_due(
    *,
    owner: User,
    current: Due,
    due_date: date | None | Keep,
    due_time: time | None | Keep,
    recurrence: str | None | Keep,
    due_string: str | None,
) -> Due:
    """The due date, time and repeat rule a task gets: `current` with the given changes, or what
    `due_string` says (then nothing else about the due may be given). A date set to None takes
    the time and the rule with it."""
    if due_string is not None:
        if any(value is not UNSET for value in (due_date, due_time, recurrence)):
            raise ConflictingDue()
        parsed = parse_due(due_string, now=local_now(owner))
        return parsed.due_date, parsed.due_time, parsed.recurrence or ""
    new_date, new_time, new_rule = current
    if due_date is not UNSET:
        new_date = _clean_date(due_date)
        if new_date is None:
            new_time, new_rule = None, ""
    if due_time is not UNSET:
        new_time = _clean_time(due_time)
    if recurrence is not UNSET:
        new_rule = recurrence or ""
    if new_date is None and new_time is not None:
        raise DueTimeWithoutDate()
    if new_date is None and new_rule:
        raise RecurrenceWithoutDate()
    if new_date is not None and new_rule:
        new_rule = clean_rule(new_rule, start=new_date)
    return new_date, new_time, new_rule


@transaction.atomic
def add_task(
    *,
    owner: User,
    title: str,
    description: str | None = "",
    due_date: date | None = None,
    due_time: time | None = None,
    recurrence: str | None = None,
    due_string: str | None = None,
    priority: str | None = None,
) -> Todo:
    """Create a task. Its due comes from `due_string` (words read in the owner's zone) or from
    `due_date`/`due_time`/`recurrence`, not both."""
    title = _clean_title(title)
    description = _clean_description(description)
    when = _planned_due(
        owner=owner,
        current=(None, None, ""),
        due_date=UNSET if due_date is None else due_date,
        due_time=UNSET if due_time is None else due_time,
        recurrence=UNSET if recurrence is None else recurrence,
        due_string=due_string,
    )
    return Todo.objects.create(
        owner=owner,
        number=_next_number(owner=owner),
        title=title,
        description=description,
        due_date=when[0],
        due_time=when[1],
        recurrence=when[2],
        priority="none" if priority is None else _clean_priority(priority),
    )


class TaskFilterArguments(TypedDict, total=False):
    """What a listing of tasks is filtered and ordered by, each checked by `_task_filter`: the
    tasks of `status` (default all), holding each word of `query`, due in the window `due` of
    the owner's zone and before / after the given dates, of the priority or priorities (a list,
    or comma separated), in `ordering` ("due", "-priority" ...; default: number)."""

    status: TaskStatus
    query: str
    due: DueWindow | None
    due_before: date | None
    due_after: date | None
    priority: str | Sequence[str] | None
    ordering: str


def list_tasks(*, owner: User, **filters: Unpack[TaskFilterArguments]) -> QuerySet[Todo]:
    """The owner's tasks, filtered and ordered (`TaskFilterArguments`)."""
    return tasks_for(owner=owner, only=_task_filter(**filters))


def list_task_page(*, owner: User, offset: int = 0, size: int, **filters: Unpack[TaskFilterArguments]) -> TaskPage:
    """`list_tasks`, at most `size` of them from `offset` on, with the owner's task counts."""
    only = _task_filter(**filters)
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_NUMBER:
        raise InvalidTaskInput({"offset": [f"Must be a whole number from 0 to {MAX_NUMBER}."]})
    return task_page(owner=owner, only=only, offset=offset, size=size)


def _priorities(value: str | Sequence[str] | None) -> tuple[Priority, ...]:
    """One priority or several, as a list or comma separated ("high,medium")."""
    names = value.split(",") if isinstance(value, str) else (value or ())
    return tuple(dict.fromkeys(_clean_priority(name.strip() if isinstance(name, str) else name) for name in names))


def _task_filter(
    *,
    status: str = "all",
    query: str = "",
    due: str | None = None,
    due_before: date | None = None,
    due_after: date | None = None,
    priority: str | Sequence[str] | None = None,
    ordering: str = "number",
) -> TaskFilter:
    """The filter, its values checked."""
    known_status = next((known for known in TASK_STATUSES if status == known), None)
    if known_status is None:
        raise InvalidTaskInput({"status": [f"Must be one of: {', '.join(TASK_STATUSES)}."]})
    if not isinstance(query, str) or len(query) > QUERY_MAX_LENGTH or len(query.split()) > QUERY_MAX_WORDS:
        raise InvalidTaskInput({"query": [f"Use at most {QUERY_MAX_WORDS} words and {QUERY_MAX_LENGTH} characters."]})
    window = next((known for known in DUE_WINDOWS if due == known), None)
    if due is not None and window is None:
        raise InvalidTaskInput({"due": [f"Must be one of: {', '.join(DUE_WINDOWS)}."]})
    if not isinstance(ordering, str) or ordering.removeprefix("-") not in TASK_ORDERINGS:
        raise InvalidTaskInput({"ordering": [f"Must be one of: {', '.join(TASK_ORDERINGS)}, each maybe after '-'."]})
    return TaskFilter(
        status=known_status,
        query=query,
        due=window,
        due_before=_clean_date(due_before),
        due_after=_clean_date(due_after),
        priorities=_priorities(priority),
        ordering=ordering,
    )


def _locked_task(*, owner: User, number: int) -> Todo:
    return find_task(Todo.objects.select_for_update(), owner=owner, number=number)


def _complete(task: Todo) -> None:
    """Complete the task, or, if it repeats, move it to its next occurrence and leave it open:
    the next local date after its due one, at the same local time (a rule that has ended
    completes it)."""
    task.completed_at = timezone.now()
    if task.recurrence and task.due_date is not None:
        due = datetime.combine(task.due_date, task.due_time or time())
        if (following := next_after(task.recurrence, due=due)) is not None:
            task.due_date = following.date()
            return
    task.completed = True


def _change_completion(task: Todo, *, completed: bool) -> None:
    if completed:
        _complete(task)
    else:
        task.completed, task.completed_at = False, None


_COMPLETION_FIELDS = ["completed", "completed_at", "due_date", "updated_at"]


def complete_task(*, owner: User, number: int) -> Todo:
    """Mark a task as completed (a repeating one moves on to its next date). Completing a
    completed task leaves it completed."""
    return _set_completed(owner=owner, number=number, completed=True)


@transaction.atomic
def _set_completed(*, owner: User, number: int, completed: bool) -> Todo:
    task = _locked_task(owner=owner, number=number)
    if task.completed != completed:
        _change_completion(task, completed=completed)
        task.save(update_fields=_COMPLETION_FIELDS)
    return task


# The REST endpoint `PATCH .../complete` toggles; `complete_task` (the agent's verb) only
# ever completes, so "mark task 3 as done" said twice leaves it done.
@transaction.atomic
def toggle_task_completion(*, owner: User, number: int) -> Todo:
    task = _locked_task(owner=owner, number=number)
    _change_completion(task, completed=not task.completed)
    task.save(update_fields=_COMPLETION_FIELDS)
    return task


@transaction.atomic
def update_task(
    *,
    owner: User,
    number: int,
    title: str | None = None,
    description: str | None = None,
    completed: bool | None = None,
    due_date: date | None | Keep = UNSET,
    due_time: time | None | Keep = UNSET,
    recurrence: str | None | Keep = UNSET,
    due_string: str | None = None,
    priority: str | None = None,
) -> Todo:
    """Change the given fields of a task; fields left out (None, or UNSET for those that None
    clears) stay as they are. Due changes as in `add_task`; a due date set to None clears the
    time and the repeat rule too. `completed=True` on a repeating task moves it on."""
    changes: dict[str, object] = {}
    if title is not None:
        changes["title"] = _clean_title(title)
    if description is not None:
        changes["description"] = _clean_description(description)
    if priority is not None:
        changes["priority"] = _clean_priority(priority)
    task = _locked_task(owner=owner, number=number)
    when = _planned_due(
        owner=owner,
        current=(task.due_date, task.due_time, task.recurrence),
        due_date=due_date,
        due_time=due_time,
        recurrence=recurrence,
        due_string=due_string,
    )
    changes.update(due_date=when[0], due_time=when[1], recurrence=when[2])
    for field, value in changes.items():
        setattr(task, field, value)
    fields = [*changes, "updated_at"]
    if completed is not None and bool(completed) != task.completed:
        _change_completion(task, completed=bool(completed))
        fields += ["completed", "completed_at"]
    task.save(update_fields=fields)
    return task


def reschedule_task(*, owner: User, number: int, due_string: str) -> Todo:
    """Give a task the due that `due_string` says (date, time and repeat rule together)."""
    return update_task(owner=owner, number=number, due_string=due_string)


def reopen_task(*, owner: User, number: int) -> Todo:
    """Mark a completed task as not done. Reopening an open task leaves it open."""
    return _set_completed(owner=owner, number=number, completed=False)


@transaction.atomic
def delete_task(*, owner: User, number: int) -> Todo:
    """Delete a task and return its last state, so callers can say what was removed."""
    task = _locked_task(owner=owner, number=number)
    task.delete()
    return task


def task_snapshot(task: Todo) -> TaskSnapshot:
    """A task's state as JSON data: what an undo restores. Dates and times as in the REST
    representation ("YYYY-MM-DD", "HH:MM"), `recurrence` None when the task does not repeat."""
    return {
        "number": task.number,
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "created_at": task.created_at.isoformat(),
        "due_date": None if task.due_date is None else task.due_date.isoformat(),
        "due_time": None if task.due_time is None else task.due_time.strftime("%H:%M"),
        "priority": task.priority,
        "recurrence": task.recurrence or None,
        "completed_at": None if task.completed_at is None else task.completed_at.isoformat(),
    }


def lock_task_snapshot(*, owner: User, number: int) -> TaskSnapshot | None:
    """The task's snapshot, its row locked until the caller's transaction ends (if it has one);
    None if there is no such task (a number out of range included)."""
    tasks = Todo.objects.all()
    if transaction.get_connection().in_atomic_block:
        tasks = tasks.select_for_update()
    try:
        return task_snapshot(find_task(tasks, owner=owner, number=number))
    except TaskNotFound:
        return None


def _same_state(task: Todo | None, snapshot: TaskSnapshot | None) -> bool:
    if task is None or snapshot is None:
        return task is None and snapshot is None
    # Read by field name, as the JSON objects they are.
    now: Mapping[str, object] = task_snapshot(task)
    then: Mapping[str, object] = snapshot
    return all(now[field] == then.get(field, _SNAPSHOT_DEFAULTS.get(field)) for field in SNAPSHOT_FIELDS)


def _snapshot_values(snapshot: TaskSnapshot) -> dict[str, object]:
    """The model field values of a snapshot (one taken before the planning fields existed
    stands for a task without them)."""
    due_date, due_time, completed_at = snapshot.get("due_date"), snapshot.get("due_time"), snapshot.get("completed_at")
    return {
        "title": _clean_title(snapshot["title"]),
        "description": _clean_description(snapshot.get("description")),
        "completed": bool(snapshot.get("completed")),
        "due_date": None if due_date is None else date.fromisoformat(due_date),
        "due_time": None if due_time is None else time.fromisoformat(due_time),
        "priority": _clean_priority(snapshot.get("priority", "none")),
        "recurrence": snapshot.get("recurrence") or "",
        "completed_at": None if completed_at is None else datetime.fromisoformat(completed_at),
    }


@transaction.atomic
def revert_task(*, owner: User, number: int, expected: TaskSnapshot | None, to: TaskSnapshot | None) -> Todo:
    """Put the task numbered `number` back to the state `to` (None: deleted), provided it is
    now in the state `expected` (None: it does not exist); else `UndoConflict`.

    Returns the task as it is afterwards, or, when the revert deletes it, as it was. A task
    that comes back gets its own number again and its first `created_at`."""
    try:
        task: Todo | None = _locked_task(owner=owner, number=number)
    except TaskNotFound:
        task = None
    if not _same_state(task, expected):
        raise UndoConflict(number)
    if to is None:
        if task is None:  # a change from nothing to nothing: there is nothing to put back
            raise UndoConflict(number)
        task.delete()
        return task
    if task is None:
        return _restore_task(owner=owner, number=number, snapshot=to)
    values = _snapshot_values(to)
    for field, value in values.items():
        setattr(task, field, value)
    task.save(update_fields=[*values, "updated_at"])
    return task


def _restore_task(*, owner: User, number: int, snapshot: TaskSnapshot) -> Todo:
    """Recreate a deleted task with its number. Only numbers already handed out come back:
    the counter is never moved back, so a number is never given to a new task again."""
    last = TaskCounter.objects.select_for_update().filter(owner=owner).values_list("last_number", flat=True).first()
    if last is None or not 1 <= number <= last:
        raise UndoConflict(number)
    task = Todo.objects.create(owner=owner, number=number, **_snapshot_values(snapshot))
    if created_at := snapshot.get("created_at"):
        task.created_at = datetime.fromisoformat(created_at)
        Todo.objects.filter(pk=task.pk).update(created_at=task.created_at)
    return task
