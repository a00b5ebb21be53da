"""The todo operations. Both the REST views and the chat agent's tools call these.

Every function takes the owner explicitly and only ever touches that owner's tasks; tasks
are addressed by their per-user `number` (REST and the tools call it `id` / `task_id`: see
`todos.models.Todo`). The values are validated here and only here: callers check types, not
values. Invalid input raises `InvalidTaskInput`, an unknown number raises `TaskNotFound`.
"""

from django.db import connection, transaction
from django.db.models import QuerySet

from accounts.models import User
from config.errors import InvalidInput, NotFound
from todos.models import DESCRIPTION_MAX_LENGTH, TASK_STATUSES, TITLE_MAX_LENGTH, TaskCounter, TaskStatus, Todo
from todos.selectors import tasks_for


class TaskNotFound(NotFound):
    code = "task_not_found"

    def __init__(self, number: int) -> None:
        self.number = number
        super().__init__(f"Task {number} not found.")


class InvalidTaskInput(InvalidInput):
    pass


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


def list_tasks(*, owner: User, status: TaskStatus = "all") -> QuerySet[Todo]:
    if status not in TASK_STATUSES:
        raise InvalidTaskInput({"status": [f"Must be one of: {', '.join(TASK_STATUSES)}."]})
    return tasks_for(owner=owner, status=status)


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


@transaction.atomic
def complete_task(*, owner: User, number: int) -> Todo:
    """Mark a task as completed. Completing a completed task leaves it completed."""
    task = _locked_task(owner=owner, number=number)
    if not task.completed:
        task.completed = True
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


@transaction.atomic
def delete_task(*, owner: User, number: int) -> Todo:
    """Delete a task and return its last state, so callers can say what was removed."""
    task = _locked_task(owner=owner, number=number)
    task.delete()
    return task
