"""What the conversation so far tells about the current message, read from the stored
messages alone (the agent keeps no state between turns): the task(s) last talked about,
the list last shown (and where its next page starts), the task last added, and a "which
one?" question awaiting an answer."""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from chat.agent.model import ChatMessage
from todos.models import TASK_STATUSES, TaskStatus

ACTION_TOOLS = frozenset({"add_task", "complete_task", "delete_task", "update_task"})
SHOW_CALL_PREFIX = "offline_show_"
LOOKUP_CALL_PREFIX = "offline_lookup_"
QUESTION_PREFIX = "Which one do you mean: "
MENTIONED_TASK = re.compile(r"\btask (\d+)\b", re.IGNORECASE)
CANDIDATE = re.compile(r"\btask (\d+) \"([^\"]*)\"", re.IGNORECASE)


@dataclass(frozen=True)
class TaskView:
    """A task as a tool result shows it."""

    number: int
    title: str
    description: str = ""
    completed: bool = False

    @classmethod
    def from_result(cls, task: Any) -> "TaskView | None":
        if not isinstance(task, dict) or not isinstance(task.get("id"), int):
            return None
        return cls(
            number=task["id"],
            title=str(task.get("title") or ""),
            description=str(task.get("description") or ""),
            completed=bool(task.get("completed")),
        )


@dataclass(frozen=True)
class TaskPage:
    """A `list_tasks` result as the agent reads it: one page of the tasks asked for, and the
    user's totals. A result without paging fields (stored before `list_tasks` paged) is all of
    them."""

    tasks: tuple[TaskView, ...]
    totals: dict[str, int]
    offset: int = 0
    next_offset: int | None = None
    remaining: int = 0

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> "TaskPage | None":
        if not result.get("success"):
            return None
        tasks = tuple(view for item in result.get("tasks") or [] if (view := TaskView.from_result(item)))
        totals = result.get("totals")
        if not isinstance(totals, dict) or not all(isinstance(totals.get(key), int) for key in TOTALS):
            totals = totals_of(tasks)
        next_offset = result.get("next_offset")
        return cls(
            tasks=tasks,
            totals={key: totals[key] for key in TOTALS},
            offset=_count(result.get("offset")),
            next_offset=next_offset if isinstance(next_offset, int) and next_offset > 0 else None,
            remaining=_count(result.get("remaining")),
        )

    @property
    def complete(self) -> bool:
        """Whether this page holds every task the user has."""
        return self.offset == 0 and self.next_offset is None and len(self.tasks) >= self.totals["all"]


TOTALS = ("all", "pending", "completed")


def totals_of(tasks: tuple[TaskView, ...] | list[TaskView]) -> dict[str, int]:
    """The counts by status of `tasks` (when they are all the user's tasks)."""
    pending = sum(not task.completed for task in tasks)
    return {"all": len(tasks), "pending": pending, "completed": len(tasks) - pending}


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


@dataclass(frozen=True)
class Listing:
    """The list last shown: what it asked for, and where its next page starts (None: no more)."""

    status: TaskStatus = "all"
    query: str = ""
    next_offset: int | None = None


@dataclass(frozen=True)
class Question:
    """A "which one do you mean" question from the previous turn, and what it was about."""

    message: str  # the user's message that needed the answer
    candidates: tuple[TaskView, ...]


@dataclass(frozen=True)
class Context:
    focus: tuple[TaskView, ...] = ()
    shown: tuple[int, ...] = ()
    last_added: int | None = None
    question: Question | None = None
    after_add: bool = False
    mentioned: tuple[int, ...] = field(default=())
    listing: Listing | None = None


def content(message: ChatMessage) -> str:
    text = message.get("content")
    return text if isinstance(text, str) else ""


def tool_result(message: ChatMessage) -> dict[str, Any]:
    try:
        result = json.loads(content(message))
    except (json.JSONDecodeError, TypeError):
        return {}
    return result if isinstance(result, dict) else {}


def tool_calls(message: ChatMessage) -> list[tuple[str, str]]:
    """(call id, tool name) for each tool call of an assistant message."""
    calls = message.get("tool_calls") or []
    found = []
    for call in calls if isinstance(calls, list) else []:
        if isinstance(call, dict) and isinstance(call.get("function"), dict):
            found.append((str(call.get("id", "")), str(call["function"].get("name", ""))))
    return found


def read_context(history: list[ChatMessage]) -> Context:
    turns = _turns(history)
    if not turns:
        return Context()
    last_added: int | None = None
    shown: tuple[int, ...] | None = None
    listing: Listing | None = None
    for turn in reversed(turns):  # newest first: stop as soon as both are known
        for call_id, name, message in reversed(_tool_messages(turn)):
            # Only the results that can still tell something are parsed.
            if last_added is None and name == "add_task":
                result = tool_result(message)
                if result.get("success") and (task := TaskView.from_result(result.get("task"))):
                    last_added = task.number
            elif shown is None and name == "list_tasks" and not call_id.startswith(LOOKUP_CALL_PREFIX):
                page = TaskPage.from_result(tool_result(message))
                if page is not None:
                    shown = tuple(task.number for task in page.tasks)
                    listing = _listing(page, _call_arguments(turn).get(call_id, {}))
        if last_added is not None and shown is not None:
            break
    previous = turns[-1]
    acted = [
        task
        for _, name, message in _tool_messages(previous)
        if name in ACTION_TOOLS
        and (result := tool_result(message)).get("success")
        and (task := TaskView.from_result(result.get("task")))
    ]
    reply = content(previous[-1]) if previous[-1].get("role") == "assistant" else ""
    mentioned = tuple(dict.fromkeys(int(number) for number in MENTIONED_TASK.findall(reply)))
    return Context(
        focus=tuple(acted) or _mentioned_tasks(previous, mentioned),
        shown=shown or (),
        last_added=last_added,
        question=_question(previous, reply),
        after_add=any(name == "add_task" for _, name, _ in _tool_messages(previous)),
        mentioned=mentioned,
        listing=listing,
    )


def _turns(history: list[ChatMessage]) -> list[list[ChatMessage]]:
    turns: list[list[ChatMessage]] = []
    for message in history:
        if message.get("role") == "user":
            turns.append([message])
        elif turns and message.get("role") in {"assistant", "tool"}:
            turns[-1].append(message)
    return turns


def _tool_messages(turn: list[ChatMessage]) -> list[tuple[str, str, ChatMessage]]:
    """(call id, tool name, message) for each tool result of the turn, unparsed."""
    names: dict[str, str] | None = None
    found = []
    for message in turn:
        if message.get("role") != "tool":
            continue
        call_id = str(message.get("tool_call_id", ""))
        name = str(message.get("name") or "")
        if not name:
            if names is None:
                names = {call: tool for item in turn for call, tool in tool_calls(item)}
            name = names.get(call_id, "")
        found.append((call_id, name, message))
    return found


def _call_arguments(turn: list[ChatMessage]) -> dict[str, dict[str, Any]]:
    """The arguments of each tool call of the turn, by call id."""
    found: dict[str, dict[str, Any]] = {}
    for message in turn:
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict) and isinstance(call.get("function"), dict):
                try:
                    arguments = json.loads(call["function"].get("arguments") or "{}")
                except (json.JSONDecodeError, TypeError):
                    arguments = {}
                found[str(call.get("id", ""))] = arguments if isinstance(arguments, dict) else {}
    return found


def _listing(page: TaskPage, arguments: dict[str, Any]) -> Listing:
    status: TaskStatus = next((status for status in TASK_STATUSES if status == arguments.get("status")), "all")
    query = arguments.get("query")
    return Listing(status=status, query=query if isinstance(query, str) else "", next_offset=page.next_offset)


def _results(turn: list[ChatMessage]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(call_id, name, tool_result(message)) for call_id, name, message in _tool_messages(turn)]


def _mentioned_tasks(turn: list[ChatMessage], numbers: tuple[int, ...]) -> tuple[TaskView, ...]:
    """The tasks the last reply named ("No, task 1 "Call the plumber" is still open")."""
    known: dict[int, TaskView] = {}
    for _, _, result in _results(turn):
        for item in [result.get("task"), *(result.get("tasks") or [])]:
            if task := TaskView.from_result(item):
                known[task.number] = task
    return tuple(known.get(number, TaskView(number=number, title="")) for number in numbers)


def _question(turn: list[ChatMessage], reply: str) -> Question | None:
    if QUESTION_PREFIX not in reply:
        return None
    asked = reply[reply.index(QUESTION_PREFIX) :]
    candidates = tuple(TaskView(number=int(number), title=title) for number, title in CANDIDATE.findall(asked))
    if not candidates:
        return None
    return Question(message=content(turn[0]), candidates=candidates)
