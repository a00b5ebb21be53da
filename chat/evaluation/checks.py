"""Judging one step: the turn's outcome and the user's tasks after it against the step's
expectations. Nothing here touches the database."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time

from chat.agent.messages import ToolFailure, ToolRun
from chat.evaluation.scenarios import Step, TaskExpectation

# The tools that change data: with `"tools": []` none of them may succeed in the turn.
MUTATING_TOOLS = frozenset(
    {
        "add_task",
        "complete_task",
        "reopen_task",
        "delete_task",
        "update_task",
        "undo_last_turn",
        "complete_tasks",
        "reopen_tasks",
        "delete_tasks",
        "update_tasks",
    }
)
# Shown of a reply or of tool arguments in a failure line, so one runaway reply stays readable.
SHOWN_CHARS = 300


@dataclass(frozen=True)
class StoredTask:
    """A task as the checks see it: what the database holds after the turn."""

    title: str
    description: str
    completed: bool
    due_date: date | None = None
    due_time: time | None = None
    priority: str = "none"
    repeats: bool = False


@dataclass(frozen=True)
class TurnOutcome:
    """What one message produced: the reply and tool calls, or the error that ended the turn."""

    reply: str = ""
    tool_runs: tuple[ToolRun, ...] = ()
    error: str | None = None
    agent_ms: float = 0.0  # time spent inside the model client's `complete()` calls


def check_step(*, step: Step, outcome: TurnOutcome, tasks: Mapping[int, StoredTask]) -> list[str]:
    """Why the step fails (an empty list when it passes). `tasks`: the user's tasks by number."""
    failures: list[str] = []
    if outcome.error is not None:
        failures.append(f"the turn failed: {outcome.error}")
    else:
        failures += _check_tools(step=step, tool_runs=outcome.tool_runs)
    failures += _check_state(step=step, tasks=tasks)
    if outcome.error is None:
        failures += _check_reply(step=step, reply=outcome.reply)
    return failures


def _check_tools(*, step: Step, tool_runs: Sequence[ToolRun]) -> list[str]:
    if step.tools is None:
        return []
    called = [run.tool_name for run in tool_runs]
    if not step.tools:
        changed = [run.tool_name for run in tool_runs if run.tool_name in MUTATING_TOOLS and succeeded(run)]
        return [f"expected no change, but {name} succeeded" for name in changed]
    shown = ", ".join(called) or "none"
    return [f"expected a call to {name}; called: {shown}" for name in step.tools if name not in called]


def succeeded(run: ToolRun) -> bool:
    return not isinstance(run.result, ToolFailure)


def _check_state(*, step: Step, tasks: Mapping[int, StoredTask]) -> list[str]:
    failures: list[str] = []
    for number, expected in step.state.items():
        task = tasks.get(number)
        if expected is None:
            if task is not None:
                failures.append(f"task {number} should not exist, but it does: {shown(task.title)}")
            continue
        if task is None:
            failures.append(f"task {number} does not exist (expected {_describe(expected)})")
            continue
        if expected.title is not None and expected.title.lower() not in task.title.lower():
            failures.append(f"task {number} title {shown(task.title)} does not contain {expected.title!r}")
        if expected.description is not None and expected.description.lower() not in task.description.lower():
            failures.append(
                f"task {number} description {shown(task.description)} does not contain {expected.description!r}"
            )
        if expected.completed is not None and expected.completed != task.completed:
            failures.append(f"task {number} should be {_status(expected.completed)} but is {_status(task.completed)}")
        failures += _check_planning(number=number, expected=expected, task=task)
    return failures


def _check_planning(*, number: int, expected: TaskExpectation, task: StoredTask) -> list[str]:
    failures: list[str] = []
    for key in ("due_date", "due_time"):
        wanted, stored = getattr(expected, key), getattr(task, key)
        if expected.checks(key) and wanted != stored:
            failures.append(f"task {number} {key} is {_moment(stored)}, expected {_moment(wanted)}")
    if expected.priority is not None and expected.priority != task.priority:
        failures.append(f"task {number} priority is {task.priority!r}, expected {expected.priority!r}")
    if expected.repeats is not None and expected.repeats != task.repeats:
        failures.append(f"task {number} should {'' if expected.repeats else 'not '}repeat")
    return failures


def _moment(value: date | time | None) -> str:
    if value is None:
        return "none"
    return value.isoformat() if isinstance(value, date) else value.strftime("%H:%M")


def _describe(expected: TaskExpectation) -> str:
    parts = [
        f"{key} containing {value!r}"
        for key, value in (("title", expected.title), ("description", expected.description))
        if value is not None
    ]
    if expected.completed is not None:
        parts.append(_status(expected.completed))
    return ", ".join(parts) or "it to exist"


def _status(completed: bool) -> str:
    return "completed" if completed else "pending"


def _check_reply(*, step: Step, reply: str) -> list[str]:
    text = reply.lower()
    failures = [f"reply lacks {wanted!r}" for wanted in step.reply_has if wanted.lower() not in text]
    failures += [f"reply contains {unwanted!r}" for unwanted in step.reply_lacks if unwanted.lower() in text]
    if step.reply_any and not any(wanted.lower() in text for wanted in step.reply_any):
        failures.append(f"reply contains none of {', '.join(map(repr, step.reply_any))}")
    return failures


def shown(text: str) -> str:
    """`text` quoted for a report line, cut at `SHOWN_CHARS`."""
    return repr(clipped(text))


def clipped(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"
