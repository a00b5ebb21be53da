"""A conversation's turns as the admin's transcript shows them.

Each turn is read as a list of entries: what the user said, what the assistant answered, and
each tool call with its result where the call was made, its arguments and result each on one
readable line. The template `admin/chat/conversation/change_form.html` renders them.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.urls import reverse

from chat.models import Conversation, Message, Turn

TURNS_PER_PAGE = 10
# How a tool's successful result reads, by tool: "Added task 3 "Buy milk"".
TOOL_VERBS = {
    "add_task": "Added",
    "complete_task": "Completed",
    "reopen_task": "Reopened",
    "delete_task": "Deleted",
    "update_task": "Updated",
}
LISTED_TASKS_SHOWN = 5


def _task_label(task: Any) -> str:
    if not isinstance(task, dict):
        return str(task)
    return f'task {task.get("id")} "{task.get("title", "")}"'


def tool_arguments(raw: str) -> str:
    """A tool call's arguments on one line: `title="Buy milk", task_id=3` (as stored when not JSON)."""
    try:
        arguments = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return raw
    if not isinstance(arguments, dict):
        return json.dumps(arguments, ensure_ascii=False)
    return ", ".join(f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in arguments.items())


def tool_result(tool: str, content: str) -> tuple[str, bool]:
    """A tool result as one readable line, and whether it failed (`success` false)."""
    try:
        result = json.loads(content)
    except json.JSONDecodeError:
        return content, False
    if not isinstance(result, dict):
        return content, False
    if result.get("success") is False:
        code = result.get("code")
        error = str(result.get("error") or "failed")
        return (f"{error} ({code})" if code else error), True
    if "task" in result:
        return f"{TOOL_VERBS.get(tool, 'Returned')} {_task_label(result['task'])}", False
    if isinstance(result.get("tasks"), list):
        tasks = result["tasks"]
        listed = "; ".join(_task_label(task) for task in tasks[:LISTED_TASKS_SHOWN])
        more = f"; and {len(tasks) - LISTED_TASKS_SHOWN} more" if len(tasks) > LISTED_TASKS_SHOWN else ""
        count = f"Listed {len(tasks)} task{'' if len(tasks) == 1 else 's'}"
        return (f"{count}: {listed}{more}" if tasks else count), False
    if isinstance(result.get("undone"), list):
        undone = [f"{change.get('action')} of {_task_label(change.get('task'))}" for change in result["undone"]]
        return ("Undid " + "; ".join(undone)) if undone else "Undid nothing", False
    return json.dumps(result, ensure_ascii=False), False


@dataclass
class ToolRun:
    """One tool call of a turn and its result (a call whose result was never stored failed)."""

    name: str
    arguments: str
    result: str = "No result stored: the turn was cut short before this tool's result."
    failed: bool = True


@dataclass
class Entry:
    kind: str  # "user", "assistant" or "tool"
    text: str = ""
    tool: ToolRun | None = None


@dataclass
class TurnView:
    number: int  # 1, 2, 3 ... in the conversation
    turn: Turn
    entries: list[Entry] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.turn.status in (Turn.Status.FAILED, Turn.Status.INTERRUPTED)

    @property
    def unusual_status(self) -> str:
        """The turn's status, unless it completed (as nearly every turn does: shown on each, it
        is noise that hides the ones that did not)."""
        return "" if self.turn.status == Turn.Status.COMPLETED else self.turn.get_status_display()

    @property
    def tool_failed(self) -> bool:
        return any(entry.tool is not None and entry.tool.failed for entry in self.entries)


def turn_view(turn: Turn, number: int) -> TurnView:
    """`turn` read as a transcript: each tool call with its result where the call was made."""
    view = TurnView(number=number, turn=turn)
    runs: dict[str, ToolRun] = {}
    for message in turn.messages.all():
        if message.role == Message.Role.TOOL:
            run = runs.pop(message.tool_call_id, None)
            if run is None:  # a result without its call: shown on its own
                run = ToolRun(name=message.name, arguments="?")
                view.entries.append(Entry(kind="tool", tool=run))
            run.result, run.failed = tool_result(run.name or message.name, message.content)
            continue
        if message.content:
            view.entries.append(Entry(kind=message.role, text=message.content))
        for call in message.tool_calls or ():
            function = call.get("function") or {}
            run = ToolRun(name=str(function.get("name", "")), arguments=tool_arguments(function.get("arguments", "")))
            runs[str(call.get("id", ""))] = run
            view.entries.append(Entry(kind="tool", tool=run))
    return view


def transcript(conversation: Conversation, page_number: str | None) -> dict[str, Any]:
    """One page of `conversation`'s turns as `TurnView`s, in three queries (count, turns, messages)."""
    turns = (
        Turn.objects.filter(conversation=conversation)
        .order_by("id")
        .prefetch_related(Prefetch("messages", queryset=Message.objects.order_by("step", "index")))
    )
    page = Paginator(turns, TURNS_PER_PAGE).get_page(page_number)
    first = page.start_index()
    return {
        "page": page,
        "turns": [turn_view(turn, first + offset) for offset, turn in enumerate(page.object_list)],
        "raw_messages_url": reverse("admin:chat_message_changelist") + f"?conversation__exact={conversation.pk}",
    }
