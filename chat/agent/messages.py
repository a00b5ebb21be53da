"""The data a turn carries, typed: messages, tool calls and tool results.

A model's reply enters as an `AssistantMessage` whose `ToolCall`s are parsed once, where the
reply enters (the model client); tools answer with a `ToolResult`, a small union with one
JSON shape each (`result_json` / `parse_result`), which is what a model reads and what the chat
response and the record hold. Nothing in the middle is untyped JSON but a call's arguments
(`ToolArguments`, open by nature): the OpenAI wire format (messages, tool calls, tool schemas)
exists in the OpenAI client, and the stored form at the database column.
"""

import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypedDict

from chat.errors import TOOL_FAILED, UNREADABLE_RESULT


class InvalidArguments(Exception):
    """A tool call's arguments do not fit the tool's declaration; the message says how."""


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.total_tokens + other.total_tokens,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


MAX_ARGUMENT_DEPTH = 8


def clean_text(value: Any) -> Any:
    """`value` with every string made storable and renderable: no NUL characters (PostgreSQL
    keeps none in text or JSON) and no lone surrogates (not encodable as UTF-8). Strings from
    a model are arbitrary; they go into the database, the logs and JSON responses."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, list):
        return [clean_text(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key): clean_text(item) for key, item in value.items()}
    return value


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError("number out of range")
    return number


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in `value`, without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, level + 1) for child in children)
    return deepest


# A tool call's arguments: a JSON object, open by nature (each tool declares its own, and a
# model may send anything); `Tool.call` makes them fit the declared types.
ToolArguments = dict[str, Any]


def parse_arguments(arguments_json: str) -> ToolArguments:
    """A tool call's arguments as a dict of storable values, or `InvalidArguments`.

    Strict JSON: NaN, Infinity and numbers beyond a float's range are refused (neither
    database nor a JSON response can hold them), and so is deep nesting."""
    try:
        arguments = json.loads(arguments_json or "{}", parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError, TypeError):  # ValueError covers JSONDecodeError
        raise InvalidArguments("The arguments were not valid JSON.") from None
    if not isinstance(arguments, dict):
        raise InvalidArguments("The arguments must be a JSON object.")
    if _depth(arguments) > MAX_ARGUMENT_DEPTH:
        raise InvalidArguments("The arguments are nested too deeply.")
    cleaned: ToolArguments = clean_text(arguments)
    return cleaned


@dataclass(frozen=True)
class ToolCall:
    """One tool call a model asked for. `arguments_json` is kept verbatim (it is stored and sent
    back to the provider as it came); `arguments` is it parsed, once, or None when it is not a
    JSON object (the tool then answers `invalid_arguments`)."""

    id: str
    name: str
    arguments_json: str
    arguments: ToolArguments | None = field(default=None, compare=False)

    @classmethod
    def parse(cls, *, id: str, name: str, arguments_json: str) -> "ToolCall":
        try:
            arguments: ToolArguments | None = parse_arguments(arguments_json)
        except InvalidArguments:
            arguments = None
        return cls(id=id, name=name, arguments_json=arguments_json, arguments=arguments)

    @classmethod
    def of(cls, *, id: str, name: str, arguments: ToolArguments) -> "ToolCall":
        """A call made in process (the offline agent, tests), from its arguments."""
        return cls(id=id, name=name, arguments_json=json.dumps(dict(arguments)), arguments=dict(arguments))


class TaskData(TypedDict, total=False):
    """A task as the REST API and the tools show it: `id` is the owner's task number; `due_date`
    ("YYYY-MM-DD") and `due_time` ("HH:MM") are the owner's local ones. A `list_tasks` page
    shows a compact form, a subset of these (`chat.agent.tools.LISTED_FIELDS`)."""

    id: int
    title: str
    description: str
    completed: bool
    due_date: str | None
    due_time: str | None
    priority: str
    recurrence: str | None
    overdue: bool
    completed_at: str | None
    created_at: str
    updated_at: str


class TaskTotals(TypedDict):
    all: int
    pending: int
    completed: int


@dataclass(frozen=True)
class TaskResult:
    """A tool changed or read one task; `task` is how it is now (as it was, if deleted).
    `next_due` is set when completing a repeating task moved it on to that date (the user's
    local "YYYY-MM-DD"; the task stays open)."""

    task: TaskData
    next_due: str | None = None


@dataclass(frozen=True)
class TaskPage:
    """One page of `list_tasks`: the tasks, where the page starts and what is left."""

    tasks: tuple[TaskData, ...]
    offset: int = 0
    next_offset: int | None = None
    remaining: int = 0
    matching: int = 0
    totals: TaskTotals = field(default_factory=lambda: TaskTotals(all=0, pending=0, completed=0))


UndoneAction = Literal["add", "complete", "reopen", "update", "delete"]


@dataclass(frozen=True)
class UndoneChange:
    action: str
    task: TaskData


@dataclass(frozen=True)
class UndoResult:
    """What an undo reverted, in the order the changes were first made."""

    undone: tuple[UndoneChange, ...]


@dataclass(frozen=True)
class ToolFailure:
    """A tool call that changed nothing; `code` is stable, `error` is for people and models."""

    error: str
    code: str
    task_id: int | None = None


@dataclass(frozen=True)
class BatchResult:
    """A tool acted on several tasks, each on its own: one result per task in the order asked,
    a `TaskResult` or a `ToolFailure` (with its `task_id`). A task that failed changed nothing;
    the others changed all the same."""

    results: tuple["TaskResult | ToolFailure", ...]

    @property
    def failed(self) -> int:
        return sum(isinstance(result, ToolFailure) for result in self.results)

    @property
    def succeeded(self) -> int:
        return len(self.results) - self.failed


ToolResult = TaskResult | TaskPage | UndoResult | BatchResult | ToolFailure


def result_json(result: ToolResult) -> dict[str, object]:
    """The result's JSON shape: what a model reads, the chat response shows and the record holds."""
    if isinstance(result, TaskResult):
        if result.next_due is not None:
            return {"success": True, "task": dict(result.task), "next_due": result.next_due}
        return {"success": True, "task": dict(result.task)}
    if isinstance(result, BatchResult):
        return {
            "success": True,
            "succeeded": result.succeeded,
            "failed": result.failed,
            "results": [result_json(item) for item in result.results],
        }
    if isinstance(result, TaskPage):
        return {
            "success": True,
            "tasks": [dict(task) for task in result.tasks],
            "offset": result.offset,
            "next_offset": result.next_offset,
            "remaining": result.remaining,
            "matching": result.matching,
            "totals": dict(result.totals),
        }
    if isinstance(result, UndoResult):
        return {"success": True, "undone": [{"action": item.action, "task": dict(item.task)} for item in result.undone]}
    failure: dict[str, object] = {"success": False, "error": result.error, "code": result.code}
    if result.task_id is not None:
        failure["task_id"] = result.task_id
    return failure


def _task(value: object) -> TaskData | None:
    if not isinstance(value, dict) or not isinstance(value.get("id"), int):
        return None
    return TaskData(**{key: item for key, item in value.items() if key in TaskData.__annotations__})


def parse_result(data: object) -> ToolResult:
    """A stored or received result's JSON read back (a shape it does not know is a failure)."""
    if not isinstance(data, dict):
        return ToolFailure(error="The tool's result is unreadable.", code=UNREADABLE_RESULT)
    if not data.get("success"):
        task_id = data.get("task_id")
        return ToolFailure(
            error=str(data.get("error") or "The tool failed."),
            code=str(data.get("code") or TOOL_FAILED),
            task_id=task_id if isinstance(task_id, int) else None,
        )
    if isinstance(data.get("tasks"), list):
        totals = data["totals"] if isinstance(data.get("totals"), dict) else {}
        tasks = tuple(task for item in data["tasks"] if (task := _task(item)) is not None)
        next_offset = data.get("next_offset")
        return TaskPage(
            tasks=tasks,
            offset=_int(data.get("offset")),
            next_offset=next_offset if isinstance(next_offset, int) else None,
            remaining=_int(data.get("remaining")),
            matching=_int(data.get("matching"), default=len(tasks)),
            totals=TaskTotals(
                all=_int(totals.get("all"), default=len(tasks)),
                pending=_int(totals.get("pending")),
                completed=_int(totals.get("completed")),
            ),
        )
    if isinstance(data.get("results"), list):
        return BatchResult(results=tuple(_batch_item(item) for item in data["results"]))
    if isinstance(data.get("undone"), list):
        undone = tuple(
            UndoneChange(action=str(item.get("action", "")), task=task)
            for item in data["undone"]
            if isinstance(item, dict) and (task := _task(item.get("task"))) is not None
        )
        return UndoResult(undone=undone)
    task = _task(data.get("task"))
    if task is None:
        return ToolFailure(error="The tool's result is unreadable.", code=UNREADABLE_RESULT)
    next_due = data.get("next_due")
    return TaskResult(task=task, next_due=next_due if isinstance(next_due, str) else None)


def _batch_item(data: object) -> TaskResult | ToolFailure:
    item = parse_result(data)
    if isinstance(item, TaskResult | ToolFailure):
        return item
    return ToolFailure(error="The tool's result is unreadable.", code=UNREADABLE_RESULT)


def _int(value: object, *, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


@dataclass(frozen=True)
class SystemMessage:
    content: str


@dataclass(frozen=True)
class UserMessage:
    content: str


@dataclass(frozen=True)
class AssistantMessage:
    """What a model answered: text, tool calls, or both. `state` is structured data a model
    computed in process (the offline agent) keeps with its message for its next turn: stored
    with the message, never sent to a provider."""

    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = field(default_factory=Usage, compare=False)
    state: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ToolMessage:
    """A tool call's result, answering the call `call_id` (of the tool `name`)."""

    call_id: str
    name: str
    result: ToolResult


ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage


@dataclass(frozen=True)
class ToolSchema:
    """One tool as a model is offered it: its name, what it does, and the JSON schema of its
    arguments (an object schema). The provider's wire format is made from it by the client
    that speaks to the provider (`chat.agent.openai_model.wire_tool`), nowhere else."""

    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class ToolRun:
    """One tool call of a turn as it ran: the tool, the arguments it took, what it answered."""

    tool_name: str
    arguments: ToolArguments
    result: ToolResult

    def as_json(self) -> dict[str, object]:
        """The run in the chat response's shape: `{tool_name, arguments, result}`."""
        return {"tool_name": self.tool_name, "arguments": dict(self.arguments), "result": result_json(self.result)}


@dataclass(frozen=True)
class TurnResult:
    """What a turn answered: its reply, every tool it ran (in order) and the tokens it used.
    `as_json` is the chat response's body, and what an idempotency key stores."""

    conversation_id: uuid.UUID
    reply: str
    tool_runs: tuple[ToolRun, ...] = ()
    usage: Usage = field(default_factory=Usage)

    def as_json(self) -> dict[str, object]:
        return {
            "conversation_id": str(self.conversation_id),
            "message": self.reply,
            "tool_calls": [run.as_json() for run in self.tool_runs],
            "usage": self.usage.as_dict(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "TurnResult":
        runs = tuple(
            ToolRun(str(call["tool_name"]), dict(call["arguments"]), parse_result(call["result"]))
            for call in data["tool_calls"]
        )
        return cls(uuid.UUID(str(data["conversation_id"])), str(data["message"]), runs, Usage(**data["usage"]))


# The verb a one-task result is told with, by tool.
TOOL_VERBS = {
    "add_task": "Added",
    "complete_task": "Completed",
    "reopen_task": "Reopened",
    "delete_task": "Deleted",
    "update_task": "Updated",
    "complete_tasks": "Completed",
    "reopen_tasks": "Reopened",
    "delete_tasks": "Deleted",
    "update_tasks": "Updated",
}
LISTED_TASKS_SHOWN = 5


def _label(task: TaskData) -> str:
    return f'task {task.get("id")} "{task.get("title", "")}"'


def _next_due(result: TaskResult) -> str:
    """`, next due Mon 14 Dec` when completing moved a repeating task on."""
    if result.next_due is None:
        return ""
    try:
        day = date.fromisoformat(result.next_due)
    except ValueError:
        return f", next due {result.next_due}"
    return f", next due {day:%a} {day.day} {day:%b}"


def describe(result: ToolResult, *, tool_name: str = "") -> str:
    """A tool's result in words, on one line: `Added task 3 "Buy milk"`, `Completed task 2 "Gym",
    next due Mon 14 Dec`, `Listed 2 tasks: ...`, `Completed 2 of 3 tasks: ...; failed: ...`,
    `Undid add of task 4 "X"`, or a failure's error and code. The one wording of a result:
    the admin transcript, the terminal chat and the evaluation report show it."""
    if isinstance(result, ToolFailure):
        return f"{result.error} ({result.code})"
    if isinstance(result, TaskResult):
        return f"{TOOL_VERBS.get(tool_name, 'Returned')} {_label(result.task)}{_next_due(result)}"
    if isinstance(result, BatchResult):
        return _describe_batch(result, verb=TOOL_VERBS.get(tool_name, "Returned"))
    if isinstance(result, TaskPage):
        tasks = result.tasks
        listed = "; ".join(_label(task) for task in tasks[:LISTED_TASKS_SHOWN])
        more = f"; and {len(tasks) - LISTED_TASKS_SHOWN} more" if len(tasks) > LISTED_TASKS_SHOWN else ""
        count = f"Listed {len(tasks)} task{'' if len(tasks) == 1 else 's'}"
        return f"{count}: {listed}{more}" if tasks else count
    undone = [f"{change.action} of {_label(change.task)}" for change in result.undone]
    return ("Undid " + "; ".join(undone)) if undone else "Undid nothing"


def _describe_batch(result: BatchResult, *, verb: str) -> str:
    count = len(result.results)
    done = [f"{_label(item.task)}{_next_due(item)}" for item in result.results if isinstance(item, TaskResult)]
    failed = [describe(item) for item in result.results if isinstance(item, ToolFailure)]
    head = f"{verb} {result.succeeded} of {count} task{'' if count == 1 else 's'}"
    parts = ["; ".join(done)] if done else []
    if failed:
        parts.append("failed: " + "; ".join(failed))
    return f"{head}: {'; '.join(parts)}" if parts else head


def describe_arguments(arguments: Mapping[str, Any]) -> str:
    """A tool call's arguments on one line: `title="Buy milk", task_id=3`."""
    return ", ".join(f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in arguments.items())


def describe_run(run: ToolRun) -> str:
    """A tool call and its result on one line: `add_task(title="Buy milk") -> Added task 1 "Buy milk"`,
    or `delete_task(task_id=9) -> failed: Task 9 not found. (task_not_found)`."""
    outcome = describe(run.result, tool_name=run.tool_name)
    failed = "failed: " if isinstance(run.result, ToolFailure) else ""
    return f"{run.tool_name}({describe_arguments(run.arguments)}) -> {failed}{outcome}"
