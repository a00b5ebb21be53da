"""A conversation's turns as the admin's transcript shows them.

Each turn is read as a list of entries: what the user said, what the assistant answered, and
each tool call with its result where the call was made, its arguments and result each on one
readable line. The template `admin/chat/conversation/change_form.html` renders them.
"""

import json
from dataclasses import dataclass, field
from typing import TypedDict

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.urls import reverse

from chat.agent.messages import ToolFailure, describe, parse_result
from chat.models import Conversation, Message, Turn
from chat.selectors import stored_calls

TURNS_PER_PAGE = 10


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
    """A tool result as one readable line (`chat.agent.messages.describe`), and whether it failed."""
    try:
        result = parse_result(json.loads(content))
    except json.JSONDecodeError:
        return content, False
    return describe(result, tool_name=tool), isinstance(result, ToolFailure)


@dataclass
class ToolLine:
    """One tool call of a turn and its result (a call whose result was never stored failed)."""

    name: str
    arguments: str
    result: str = "No result stored: the turn was cut short before this tool's result."
    failed: bool = True


@dataclass
class Entry:
    kind: str  # "user", "assistant" or "tool"
    text: str = ""
    tool: ToolLine | None = None


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
    runs: dict[str, ToolLine] = {}
    for message in turn.messages.all():
        if message.role == Message.Role.TOOL:
            run = runs.pop(message.tool_call_id, None)
            if run is None:  # a result without its call: shown on its own
                run = ToolLine(name=message.name, arguments="?")
                view.entries.append(Entry(kind="tool", tool=run))
            run.result, run.failed = tool_result(run.name or message.name, message.content)
            continue
        if message.content:
            view.entries.append(Entry(kind=message.role, text=message.content))
        for call in stored_calls(message.tool_calls):
            run = ToolLine(name=call.name, arguments=tool_arguments(call.arguments_json))
            runs[call.id] = run
            view.entries.append(Entry(kind="tool", tool=run))
    return view


class Transcript(TypedDict):
    """What the admin's conversation page shows of its turns: one page of them, and where the
    raw message rows are."""

    page: Page[Turn]
    turns: list[TurnView]
    raw_messages_url: str


def transcript(conversation: Conversation, page_number: str | None) -> Transcript:
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
