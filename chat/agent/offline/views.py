"""The agent's view of a task and of a page of tasks, read from the typed tool results."""

from dataclasses import dataclass

from chat.agent.messages import TaskData, TaskPage, TaskTotals


@dataclass(frozen=True)
class TaskView:
    """A task as the agent reasons about it: what resolving, planning and replying read of a
    `TaskData` (whose fields are all optional), with its number under its own name."""

    number: int
    title: str
    description: str = ""
    completed: bool = False
    due_date: str | None = None  # "YYYY-MM-DD", the owner's
    due_time: str | None = None  # "HH:MM"
    priority: str = "none"
    recurrence: str = ""

    @classmethod
    def of(cls, task: TaskData) -> "TaskView":
        data: dict[str, object] = dict(task)
        return cls(
            number=task.get("id", 0),
            title=task.get("title") or "",
            description=task.get("description") or "",
            completed=bool(task.get("completed")),
            due_date=_text(data.get("due_date")),
            due_time=_text(data.get("due_time")),
            priority=_text(data.get("priority")) or "none",
            recurrence=_text(data.get("recurrence")) or "",
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def views(page: TaskPage) -> tuple[TaskView, ...]:
    return tuple(TaskView.of(task) for task in page.tasks)


def totals_of(tasks: tuple[TaskView, ...] | list[TaskView]) -> TaskTotals:
    """The counts by status of `tasks` (when they are all the user's tasks)."""
    pending = sum(not task.completed for task in tasks)
    return TaskTotals(all=len(tasks), pending=pending, completed=len(tasks) - pending)


def page_totals(page: TaskPage) -> TaskTotals:
    """The user's totals a page reports; those of its tasks when it reports none (a result
    stored before `list_tasks` counted, read with all its tasks and none pending or done)."""
    totals = page.totals
    if totals["pending"] + totals["completed"] == totals["all"]:
        return totals
    return totals_of(views(page))


def next_offset(page: TaskPage) -> int | None:
    return page.next_offset if page.next_offset is not None and page.next_offset > 0 else None


def holds_everything(page: TaskPage) -> bool:
    """Whether `page` holds every task the user has."""
    return page.offset == 0 and next_offset(page) is None and len(page.tasks) >= page_totals(page)["all"]
