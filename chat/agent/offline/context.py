"""What the conversation so far tells about the current message, read from the stored
messages alone (the agent keeps no state between turns beyond what its messages carry): the
task(s) last talked about, the list last shown (and where its next page starts), the task
last added, and a "which one?" question awaiting an answer (`state`)."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from chat.agent.messages import (
    AssistantMessage,
    ChatMessage,
    TaskPage,
    TaskResult,
    ToolArguments,
    ToolMessage,
    UserMessage,
)
from chat.agent.offline.state import Question, is_lookup, question_of
from chat.agent.offline.tool_names import ADD, LIST
from chat.agent.offline.views import TaskView, next_offset, views
from todos.models import TASK_STATUSES, TaskStatus

__all__ = ["Context", "Listing", "Question", "TaskView", "read_context"]

MENTIONED_TASK = re.compile(r"\btask (\d+)\b", re.IGNORECASE)
Turn = list[ChatMessage]


@dataclass(frozen=True)
class Listing:
    """The list last shown: what it asked for, and where its next page starts (None: no more)."""

    status: TaskStatus = "all"
    query: str = ""
    next_offset: int | None = None


@dataclass(frozen=True)
class Context:
    focus: tuple[TaskView, ...] = ()
    shown: tuple[int, ...] = ()
    last_added: int | None = None
    question: Question | None = None
    after_add: bool = False
    mentioned: tuple[int, ...] = field(default=())
    listing: Listing | None = None


def read_context(history: Sequence[ChatMessage]) -> Context:
    turns = _turns(history)
    if not turns:
        return Context()
    last_added, shown, listing = _last_added_and_shown(turns)
    previous = turns[-1]
    results = [message for message in previous if isinstance(message, ToolMessage)]
    acted = tuple(TaskView.of(message.result.task) for message in results if isinstance(message.result, TaskResult))
    last = previous[-1]
    reply = last.content if isinstance(last, AssistantMessage) else ""
    mentioned = tuple(dict.fromkeys(int(number) for number in MENTIONED_TASK.findall(reply)))
    return Context(
        focus=acted or _mentioned_tasks(results, mentioned),
        shown=shown or (),
        last_added=last_added,
        question=question_of(last) if isinstance(last, AssistantMessage) else None,
        after_add=any(message.name == ADD for message in results),
        mentioned=mentioned,
        listing=listing,
    )


def _last_added_and_shown(turns: list[Turn]) -> tuple[int | None, tuple[int, ...] | None, Listing | None]:
    """The task last added, and the numbers and listing of the list last shown to the user."""
    last_added: int | None = None
    shown: tuple[int, ...] | None = None
    listing: Listing | None = None
    for turn in reversed(turns):  # newest first: stop as soon as both are known
        calls = {
            call.id: call for message in turn if isinstance(message, AssistantMessage) for call in message.tool_calls
        }
        looked_up = {
            call.id
            for message in turn
            if isinstance(message, AssistantMessage) and is_lookup(message)
            for call in message.tool_calls
        }
        for message in reversed([message for message in turn if isinstance(message, ToolMessage)]):
            result = message.result
            if last_added is None and message.name == ADD and isinstance(result, TaskResult):
                last_added = TaskView.of(result.task).number
            elif shown is None and message.name == LIST and isinstance(result, TaskPage):
                if message.call_id not in looked_up:
                    shown = tuple(task.get("id", 0) for task in result.tasks)
                    call = calls.get(message.call_id)
                    listing = _listing(result, call.arguments if call is not None and call.arguments else {})
        if last_added is not None and shown is not None:
            break
    return last_added, shown, listing


def _turns(history: Sequence[ChatMessage]) -> list[Turn]:
    turns: list[Turn] = []
    for message in history:
        if isinstance(message, UserMessage):
            turns.append([message])
        elif turns and isinstance(message, AssistantMessage | ToolMessage):
            turns[-1].append(message)
    return turns


def _listing(page: TaskPage, arguments: ToolArguments) -> Listing:
    status: TaskStatus = next((status for status in TASK_STATUSES if status == arguments.get("status")), "all")
    query = arguments.get("query")
    return Listing(status=status, query=query if isinstance(query, str) else "", next_offset=next_offset(page))


def _mentioned_tasks(results: list[ToolMessage], numbers: tuple[int, ...]) -> tuple[TaskView, ...]:
    """The tasks the last reply named ("No, task 1 "Call the plumber" is still open")."""
    known: dict[int, TaskView] = {}
    for message in results if numbers else ():
        result = message.result
        if isinstance(result, TaskResult):
            known[result.task.get("id", 0)] = TaskView.of(result.task)
        elif isinstance(result, TaskPage):
            known.update((task.number, task) for task in views(result))
    return tuple(known.get(number, TaskView(number=number, title="")) for number in numbers)
