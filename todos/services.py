"""The todo operations. Both the REST views and the chat agent's tools call these.

Every function takes the owner explicitly and only ever touches that owner's tasks; tasks
are addressed by their per-user `number` (REST and the tools call it `id` / `task_id`: see
`todos.models.Todo`). The values are validated here and only here: callers check types, not
values. Invalid input raises `InvalidTaskInput`, an unknown number raises `TaskNotFound`.

Undo support: `task_snapshot` is a task's state as plain JSON data, and `revert_task` puts a
task back into an earlier snapshot (recreating a deleted task with its own number, the one way
a number is ever used again) provided it is still in the state the change left it in.
Who records changes and when is the caller's business; this module knows nothing of it.
"""

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from accounts.models import User
from todos.errors import InvalidTaskInput, TaskNotFound, UndoConflict
from todos.models import (
    DESCRIPTION_MAX_LENGTH,
    QUERY_MAX_LENGTH,
    QUERY_MAX_WORDS,
    TASK_STATUSES,
    TITLE_MAX_LENGTH,
    TaskCounter,
    TaskStatus,
    Todo,
)
from todos.selectors import TaskPage, task_page, tasks_for

# The fields a snapshot compares: what a user can change.
SNAPSHOT_FIELDS = ("title", "description", "completed")
TaskSnapshot = dict[str, Any]


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


@transaction.atomic
def add_task(*, owner: User, title: str, description: str | None = "") -> Todo:
    title = _clean_title(title)
    description = _clean_description(description)
    return Todo.objects.create(owner=owner, number=_next_number(owner=owner), title=title, description=description)


def list_tasks(*, owner: User, status: TaskStatus = "all", query: str = "") -> QuerySet[Todo]:
    """The owner's tasks of `status` that hold each word of `query`, in number order."""
    _check_filter(status=status, query=query)
    return tasks_for(owner=owner, status=status, query=query)


def list_task_page(*, owner: User, status: TaskStatus = "all", query: str = "", offset: int = 0, size: int) -> TaskPage:
    """`list_tasks`, at most `size` of them from `offset` on, with the owner's task counts."""
    _check_filter(status=status, query=query)
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= _MAX_NUMBER:
        raise InvalidTaskInput({"offset": [f"Must be a whole number from 0 to {_MAX_NUMBER}."]})
    return task_page(owner=owner, status=status, query=query, offset=offset, size=size)


def _check_filter(*, status: str, query: str) -> None:
    if status not in TASK_STATUSES:
        raise InvalidTaskInput({"status": [f"Must be one of: {', '.join(TASK_STATUSES)}."]})
    if len(query) > QUERY_MAX_LENGTH or len(query.split()) > QUERY_MAX_WORDS:
        raise InvalidTaskInput(
            {"query": [f"Use at most {QUERY_MAX_WORDS} words and {QUERY_MAX_LENGTH} characters."]}
        )


# The largest value a PositiveIntegerField holds on every supported database.
_MAX_NUMBER = 2_147_483_647


def _find_task(tasks: QuerySet[Todo], *, number: int) -> Todo:
    # A number outside the column's range cannot exist; asking the database would overflow.
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= _MAX_NUMBER:
        raise TaskNotFound(number)
    try:
        return tasks.get(number=number)
    except Todo.DoesNotExist:
        raise TaskNotFound(number) from None


def get_task(*, owner: User, number: int) -> Todo:
    return _find_task(Todo.objects.filter(owner=owner), number=number)


def _locked_task(*, owner: User, number: int) -> Todo:
    return _find_task(Todo.objects.select_for_update().filter(owner=owner), number=number)


def complete_task(*, owner: User, number: int) -> Todo:
    """Mark a task as completed. Completing a completed task leaves it completed."""
    return _set_completed(owner=owner, number=number, completed=True)


@transaction.atomic
def _set_completed(*, owner: User, number: int, completed: bool) -> Todo:
    task = _locked_task(owner=owner, number=number)
    if task.completed != completed:
        task.completed = completed
        task.save(update_fields=["completed", "updated_at"])
    return task


# The REST endpoint `PATCH .../complete` toggles; `complete_task` (the agent's verb) only
# ever completes, so "mark task 3 as done" said twice leaves it done.
@transaction.atomic
def toggle_task_completion(*, owner: User, number: int) -> Todo:
    task = _locked_task(owner=owner, number=number)
    task.completed = not task.completed
    task.save(update_fields=["completed", "updated_at"])
    return task


@transaction.atomic
def update_task(
    *,
    owner: User,
    number: int,
    title: str | None = None,
    description: str | None = None,
    completed: bool | None = None,
) -> Todo:
    """Change the given fields of a task; fields left as None stay as they are."""
    changes: dict[str, object] = {}
    if title is not None:
        changes["title"] = _clean_title(title)
    if description is not None:
        changes["description"] = _clean_description(description)
    if completed is not None:
        changes["completed"] = bool(completed)
    task = _locked_task(owner=owner, number=number)
    if changes:
        for field, value in changes.items():
            setattr(task, field, value)
        task.save(update_fields=[*changes, "updated_at"])
    return task


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
    """A task's state as JSON data: what an undo restores."""
    return {
        "number": task.number,
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "created_at": task.created_at.isoformat(),
    }


def lock_task_snapshot(*, owner: User, number: int) -> TaskSnapshot | None:
    """The task's snapshot, its row locked until the caller's transaction ends (if it has one);
    None if there is no such task (a number out of range included)."""
    tasks = Todo.objects.filter(owner=owner)
    if transaction.get_connection().in_atomic_block:
        tasks = tasks.select_for_update()
    try:
        return task_snapshot(_find_task(tasks, number=number))
    except TaskNotFound:
        return None


def _same_state(task: Todo | None, snapshot: TaskSnapshot | None) -> bool:
    if task is None or snapshot is None:
        return task is None and snapshot is None
    return all(getattr(task, field) == snapshot.get(field) for field in SNAPSHOT_FIELDS)


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
    for field in SNAPSHOT_FIELDS:
        setattr(task, field, to[field])
    task.save(update_fields=[*SNAPSHOT_FIELDS, "updated_at"])
    return task


def _restore_task(*, owner: User, number: int, snapshot: TaskSnapshot) -> Todo:
    """Recreate a deleted task with its number. Only numbers already handed out come back:
    the counter is never moved back, so a number is never given to a new task again."""
    last = TaskCounter.objects.select_for_update().filter(owner=owner).values_list("last_number", flat=True).first()
    if last is None or not 1 <= number <= last:
        raise UndoConflict(number)
    task = Todo.objects.create(
        owner=owner,
        number=number,
        title=_clean_title(snapshot["title"]),
        description=_clean_description(snapshot.get("description")),
        completed=bool(snapshot.get("completed")),
    )
    if created_at := snapshot.get("created_at"):
        task.created_at = datetime.fromisoformat(created_at)
        Todo.objects.filter(pk=task.pk).update(created_at=task.created_at)
    return task
