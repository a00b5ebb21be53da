from typing import Literal, get_args

from django.conf import settings
from django.db import models

TaskStatus = Literal["all", "pending", "completed"]
TASK_STATUSES: tuple[TaskStatus, ...] = get_args(TaskStatus)
Priority = Literal["none", "low", "medium", "high"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)
# The `due` filter of the task list, each in the owner's zone.
DueWindow = Literal["overdue", "today", "tomorrow", "this_week", "next_7_days", "no_date"]
DUE_WINDOWS: tuple[DueWindow, ...] = get_args(DueWindow)
TaskOrdering = Literal["number", "due", "priority", "created_at", "completed_at"]
TASK_ORDERINGS: tuple[TaskOrdering, ...] = get_args(TaskOrdering)

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 1000
# A task search (`query` of the task list and of `list_tasks`): words each matched in the title
# or the description.
QUERY_MAX_LENGTH = 200
QUERY_MAX_WORDS = 10


class Todo(models.Model):
    """One task. Users name it by `number`, their own 1, 2, 3 ... in creation order.

    The task number is the only identity a task shows outside the server (the primary key
    never leaves it), and each layer spells it in its own established way; this is the one
    mapping:

    - `Todo.number`, and `number=` in `todos.services` (the domain's word);
    - REST: the field `id` (`TaskSerializer`) and the path parameter `<task_id>`;
    - tools: the argument `task_id`, and `task_id` beside the `task_not_found` code in an
      error result; a task in a tool result is the REST representation, so `id` again.

    The translation happens only at those edges: the REST views, `TaskSerializer` and the
    tool functions in `chat.agent.tools`.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="todos")
    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True, default="")
    completed = models.BooleanField(default=False)
    # A calendar date and a wall-clock time in the owner's zone (`User.time_zone`), never an
    # instant: "9:00" stays 9:00 when the clocks change or the owner moves.
    due_date = models.DateField(null=True, blank=True)
    due_time = models.TimeField(null=True, blank=True)
    # Database defaults too: rows written by code that predates the columns get them.
    priority = models.CharField(max_length=6, choices=[(p, p) for p in PRIORITIES], default="none", db_default="none")
    # An RFC 5545 RRULE body ("FREQ=WEEKLY;BYDAY=MO"), "" when the task does not repeat.
    recurrence = models.CharField(max_length=200, blank=True, default="", db_default="")
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("owner", "number")
        constraints = [models.UniqueConstraint(fields=("owner", "number"), name="todo_unique_number_per_owner")]
        indexes = [models.Index(fields=("owner", "due_date"), name="todo_owner_due_date")]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"


class TaskCounter(models.Model):
    """The last task number handed out to a user, so numbers are never reused after a delete.

    `add_task` increments it with a single UPDATE, which locks the row until the transaction
    commits: concurrent creates for one user queue on that lock and get distinct numbers.
    """

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="task_counter"
    )
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.last_number}"
