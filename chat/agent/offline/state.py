"""What the agent keeps with its own assistant messages for its later calls, as structured
data (`AssistantMessage.state`), so nothing is re-read from a reply's wording or a call's id:

    {"question": {"message": "delete the meeting one", "candidates": [{"id": 1, "title": "Team meeting"}, ...]}}
        the reply asks "which one do you mean?": the message asked about and the tasks offered;
    {"lookup": true}
        the message's `list_tasks` calls read tasks for resolving, not a list shown to the user.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from chat.agent.messages import AssistantMessage
from chat.agent.offline.views import TaskView

State = Mapping[str, Any]


@dataclass(frozen=True)
class Question:
    """A "which one do you mean" question from the previous turn, and what it was about."""

    message: str  # the user's message that needed the answer
    candidates: tuple[TaskView, ...]


LOOKUP: State = MappingProxyType({"lookup": True})  # shared: read-only


def question_state(question: Question) -> State:
    candidates = [{"id": task.number, "title": task.title} for task in question.candidates]
    return {"question": {"message": question.message, "candidates": candidates}}


def is_lookup(message: AssistantMessage) -> bool:
    return bool(message.state and message.state.get("lookup"))


def question_of(message: AssistantMessage) -> Question | None:
    """The question `message` asked, if it asked one."""
    asked = message.state.get("question") if message.state else None
    if not isinstance(asked, Mapping) or not isinstance(asked.get("candidates"), list):
        return None
    candidates = tuple(
        TaskView(number=item["id"], title=str(item.get("title") or ""))
        for item in asked["candidates"]
        if isinstance(item, Mapping) and isinstance(item.get("id"), int)
    )
    return Question(message=str(asked.get("message") or ""), candidates=candidates) if candidates else None
