from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from todos.models import TaskStatus, Todo


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
    """One page of the tasks a filter matches, in number order, `offset` of them skipped."""

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


def _filter(*, status: TaskStatus, query: str) -> Q:
    condition = Q()
    if status == "pending":
        condition &= Q(completed=False)
    elif status == "completed":
        condition &= Q(completed=True)
    for word in query.split():
        condition &= Q(title__icontains=word) | Q(description__icontains=word)
    return condition


def tasks_for(*, owner: User, status: TaskStatus = "all", query: str = "") -> QuerySet[Todo]:
    """The owner's tasks of `status` whose title or description holds each word of `query`
    (ignoring case), in number order."""
    return Todo.objects.filter(_filter(status=status, query=query), owner=owner).order_by("number")


def task_counts(*, owner: User, status: TaskStatus = "all", query: str = "") -> TaskCounts:
    """The owner's task counts, in one aggregate query."""
    condition = _filter(status=status, query=query)
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


def task_page(*, owner: User, status: TaskStatus = "all", query: str = "", offset: int = 0, size: int) -> TaskPage:
    """At most `size` tasks from `offset` on (one query), with the counts (one more)."""
    tasks = list(tasks_for(owner=owner, status=status, query=query)[offset : offset + size])
    return TaskPage(tasks=tasks, offset=offset, counts=task_counts(owner=owner, status=status, query=query))
