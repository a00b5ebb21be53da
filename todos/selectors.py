"""Reads of tasks. The values are typed here, not checked: `todos.services` checks a filter
from outside before it reaches these (`list_tasks`, `list_task_page`).

Everything about due dates is read in the owner's zone (`User.time_zone`): their "today",
"this week" (today to Sunday) and whether a task is overdue. A task due on a date without a time
is overdue from the next local day on; one with a time, once that time has passed.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Case, Count, F, IntegerField, OrderBy, Q, QuerySet, Value, When

from accounts.models import User
from accounts.time_zones import local_now, now_in
from todos.errors import TaskNotFound
from todos.models import PRIORITIES, DueWindow, Priority, TaskStatus, Todo

# The largest value a PositiveIntegerField holds on every supported database.
MAX_NUMBER = 2_147_483_647


@dataclass(frozen=True)
class TaskFilter:
    """Which of the owner's tasks a list shows, and in which order (`-` first: descending)."""

    status: TaskStatus = "all"
    query: str = ""
    due: DueWindow | None = None
    due_before: date | None = None
    due_after: date | None = None
    priorities: tuple[Priority, ...] = field(default_factory=tuple)
    ordering: str = "number"


@dataclass(frozen=True)
class TaskCounts:
    """The owner's tasks by status, and how many of them a filter matches."""

    all: int
    pending: int
    completed: int
    matching: int

    @property
    def totals(self) -> dict[str, int]:
        return {"all": self.all, "pending": self.pending, "completed": self.completed}


@dataclass(frozen=True)
class TaskPage:
    """One page of the tasks a filter matches, in the filter's order, `offset` of them skipped."""

    tasks: list[Todo]
    offset: int
    counts: TaskCounts

    @property
    def remaining(self) -> int:
        """How many matching tasks come after this page."""
        return max(self.counts.matching - self.offset - len(self.tasks), 0)

    @property
    def next_offset(self) -> int | None:
        return self.offset + len(self.tasks) if self.remaining else None


def overdue_condition(*, now: datetime) -> Q:
    """Open tasks whose due moment has passed at `now` (the owner's local now)."""
    today = now.date()
    passed = Q(due_date__lt=today) | Q(due_date=today, due_time__lt=now.time().replace(tzinfo=None))
    return Q(completed=False) & passed


def is_overdue(task: Todo, *, now: datetime | None = None) -> bool:
    """Whether the task is open and its due moment has passed in its owner's zone."""
    if task.completed or task.due_date is None:
        return False
    now = now or local_now(task.owner)
    today = now.date()
    if task.due_time is None:
        return task.due_date < today
    return task.due_date < today or (task.due_date == today and task.due_time < now.time().replace(tzinfo=None))


def _window(due: DueWindow, *, now: datetime) -> Q:
    today = now.date()
    if due == "overdue":
        return overdue_condition(now=now)
    if due == "no_date":
        return Q(due_date__isnull=True)
    last = {
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "this_week": today + timedelta(days=6 - today.weekday()),
        "next_7_days": today + timedelta(days=6),
    }[due]
    first = last if due == "tomorrow" else today
    return Q(due_date__gte=first, due_date__lte=last)


def due_window_of_all(due: DueWindow) -> Q:
    """Every owner's tasks in the window `due` of their own zone (one condition per zone in use):
    for views across owners, such as the admin's."""
    condition = Q(pk__in=[])
    for zone in User.objects.order_by().values_list("time_zone", flat=True).distinct():
        condition |= Q(owner__time_zone=zone) & _window(due, now=now_in(zone))
    return condition


def _condition(*, owner: User, only: TaskFilter) -> Q:
    condition = Q()
    if only.status == "pending":
        condition &= Q(completed=False)
    elif only.status == "completed":
        condition &= Q(completed=True)
    for word in only.query.split():
        condition &= Q(title__icontains=word) | Q(description__icontains=word)
    if only.due is not None:
        condition &= _window(only.due, now=local_now(owner))
    if only.due_before is not None:
        condition &= Q(due_date__lt=only.due_before)
    if only.due_after is not None:
        condition &= Q(due_date__gt=only.due_after)
    if only.priorities:
        condition &= Q(priority__in=only.priorities)
    return condition


_PRIORITY_RANK = Case(
    *(When(priority=name, then=Value(rank)) for rank, name in enumerate(PRIORITIES)), output_field=IntegerField()
)


def _order(ordering: str) -> list[OrderBy]:
    """`due` and `completed_at` put tasks without one last either way; on one day, a task without
    a time comes after the timed ones (before them descending). The number breaks ties."""
    descending = ordering.startswith("-")
    name = ordering.lstrip("-")
    keys: dict[str, list[F | Case]] = {
        "number": [],
        "due": [F("due_date")],
        "priority": [_PRIORITY_RANK],
        "created_at": [F("created_at")],
        "completed_at": [F("completed_at")],
    }
    order = [key.desc(nulls_last=True) if descending else key.asc(nulls_last=True) for key in keys[name]]
    if name == "due":
        order.append(F("due_time").desc(nulls_first=True) if descending else F("due_time").asc(nulls_last=True))
    return [*order, F("number").desc() if descending and name == "number" else F("number").asc()]


def tasks_for(*, owner: User, only: TaskFilter | None = None) -> QuerySet[Todo]:
    """The owner's tasks that `only` (default: all) lets through, in its order. The title or
    description must hold each word of its `query`, ignoring case."""
    only = only or TaskFilter()
    return (
        Todo.objects.filter(_condition(owner=owner, only=only), owner=owner)
        .select_related("owner")
        .order_by(*_order(only.ordering))
    )


def task_counts(*, owner: User, only: TaskFilter | None = None) -> TaskCounts:
    """The owner's task counts, in one aggregate query."""
    condition = _condition(owner=owner, only=only or TaskFilter())
    # The aliases must not be field names: an aggregate named "completed" would shadow the field.
    counts = Todo.objects.filter(owner=owner).aggregate(
        count_all=Count("pk"),
        count_pending=Count("pk", filter=Q(completed=False)),
        count_completed=Count("pk", filter=Q(completed=True)),
        count_matching=Count("pk", filter=condition) if condition else Count("pk"),
    )
    return TaskCounts(
        all=counts["count_all"],
        pending=counts["count_pending"],
        completed=counts["count_completed"],
        matching=counts["count_matching"],
    )


def task_page(*, owner: User, only: TaskFilter | None = None, offset: int = 0, size: int) -> TaskPage:
    """At most `size` tasks from `offset` on (one query), with the counts (one more)."""
    tasks = list(tasks_for(owner=owner, only=only)[offset : offset + size])
    return TaskPage(tasks=tasks, offset=offset, counts=task_counts(owner=owner, only=only))


def find_task(tasks: QuerySet[Todo], *, owner: User, number: int) -> Todo:
    """The task numbered `number` among `tasks` (the owner's), or `TaskNotFound`."""
    # A number outside the column's range cannot exist; asking the database would overflow.
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_NUMBER:
        raise TaskNotFound(number)
    try:
        task = tasks.get(owner=owner, number=number)
    except Todo.DoesNotExist:
        raise TaskNotFound(number) from None
    task.owner = owner  # known already: reading the zone for `overdue` costs no query
    return task


def get_task(*, owner: User, number: int) -> Todo:
    return find_task(Todo.objects.all(), owner=owner, number=number)
