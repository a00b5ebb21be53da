"""What the understanding stage produces: requests, each aimed at a target."""

from dataclasses import dataclass, field
from typing import Literal

from todos.models import DueWindow, Priority, TaskStatus

RequestKind = Literal[
    "add",  # titles (+ description)
    "complete",
    "delete",
    "update",  # title, description or replace
    "show",  # list tasks of a status
    "show_more",  # the next page of the list last shown
    "count",  # how many tasks of a status
    "ask_status",  # is X done?
    "ask_number",  # what number is X?
    "ask_task",  # what is task N? / show task N
    "ask_note",  # what's the note on X?
    "story",  # "finally fixed the sink": completes the task it names
    "not_done",  # "missed yoga": names a task, changes nothing
    "reopen",  # mark a completed task as not done (when a tool does it)
    "undo",  # undo the last turn's changes (when a tool does it)
    "unsupported",  # reminders, due dates, and undo or reopen without their tools: `topic`
    "refuse",  # instructions to override the rules
    "chat",  # greeting, thanks, help, cancel, nothing understood: `topic`
    "target",  # only names a task: an answer to "which one?", or the subject of a later clause
    "reschedule",  # a task's due date, time, priority or repeat changed: `plan`
    "agenda",  # tasks by due date or priority, or in an order: `agenda`
]


@dataclass(frozen=True)
class Target:
    """How the user named the task(s) a request is about."""

    numbers: tuple[int, ...] = ()
    ordinal: int | None = None  # 1-based place in the list last shown; -1 for the last
    ordinals: tuple[int, ...] = ()  # several places: "the first two", "2nd and 4th"
    pronoun: bool = False  # it, that one, those
    plural: bool = False  # those, both, them
    last_added: bool = False  # "the last one I added"
    everything: TaskStatus | None = None  # "all the completed ones"
    words: tuple[str, ...] = ()  # words of the title

    @property
    def named(self) -> bool:
        return bool(
            self.numbers
            or self.ordinal
            or self.ordinals
            or self.pronoun
            or self.last_added
            or self.everything
            or self.words
        )

    @property
    def needs_task_list(self) -> bool:
        """Whether finding the task takes the user's task list (not only the conversation)."""
        return bool(self.words or self.everything or self.ordinal or self.ordinals)


@dataclass(frozen=True)
class Plan:
    """The planning part of a request: `due` and `repeat` are words for the service ("none"
    clears), `shift_days` moves the current due date, `keep_time` keeps the current time."""

    due: str | None = None
    priority: Priority | None = None
    repeat: str | None = None
    reminder: bool = False
    shift_days: int = 0
    keep_time: bool = False

    @property
    def empty(self) -> bool:
        return self == Plan()

    def merged(self, other: "Plan") -> "Plan":
        """This plan with what `other` says besides."""
        return Plan(
            due=" ".join(part for part in (self.due, other.due) if part) or None,
            priority=other.priority or self.priority,
            repeat=other.repeat or self.repeat,
            reminder=self.reminder or other.reminder,
        )


@dataclass(frozen=True)
class Agenda:
    """Which tasks a question by date or priority asks for, and in what order."""

    due: DueWindow | None = None
    priority: str | None = None  # one priority or several, comma separated
    ordering: str | None = None
    count: bool = False  # "how many": the number is the answer


@dataclass(frozen=True)
class Request:
    kind: RequestKind
    target: Target = field(default_factory=Target)
    titles: tuple[str, ...] = ()
    title: str | None = None
    description: str | None = None  # "" clears it
    replace: tuple[str, str] | None = None  # (old words, new words) in the title
    status: TaskStatus = "all"
    topic: str = ""
    plans: tuple[Plan, ...] = ()  # an add's plan for each of its titles (empty: none said)
    plan: Plan | None = None  # a reschedule's
    agenda: Agenda | None = None
