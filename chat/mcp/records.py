"""A tool called over MCP is recorded as a chat turn is: a turn of the caller's "MCP"
conversation holding a user message naming the call and who made it, the assistant message
calling the tool, and its result, with the tool run inside the step's transaction by the chat's
own recorder (`chat.persistence`). So the admin shows it with the task changes it made, and
`undo_last_turn` over MCP undoes the caller's last change made over MCP (the conversation's
last turn with changes).

All of MCP's recording is `run_recorded`: the one place to adapt when the turn API changes.
"""

import json
import uuid
from typing import Any

from django.db import transaction

from accounts.models import User
from chat.agent.model import ChatMessage
from chat.agent.runner import Step
from chat.agent.tool_registry import ToolResult
from chat.agent.tools import Toolbox
from chat.models import Conversation, Turn
from chat.persistence import TurnRecorder, set_status, start_turn

CONVERSATION_TITLE = "MCP"


def _conversation(owner: User) -> uuid.UUID:
    """The owner's MCP conversation, made on first use. The owner's row is locked while looking,
    so two first calls at once make one conversation between them."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=owner.pk).first()
        found = Conversation.objects.filter(owner=owner, title=CONVERSATION_TITLE).order_by("created_at").first()
        if found is not None:
            return found.pk
        return Conversation.objects.create(owner=owner, title=CONVERSATION_TITLE).pk


def run_recorded(*, owner: User, source: str, name: str, arguments: dict[str, Any]) -> ToolResult:
    """Run the tool `name` for `owner` as one recorded turn; `source` says who called it (the
    access token's name). Returns the tool's result (a failure is a result too)."""
    arguments_json = json.dumps(arguments)
    message = f"Over MCP ({source}): {name} {arguments_json}"
    turn = start_turn(owner=owner, message=message, conversation_id=_conversation(owner))
    recorder = TurnRecorder(turn=turn, owner=owner)
    call_id = f"mcp_{uuid.uuid4().hex}"
    results: list[ToolResult] = []

    def run_tool() -> list[ChatMessage]:
        results.clear()  # the recorder may run a step's tools again from the start
        _, result = Toolbox(owner, recorder).run(name=name, arguments_json=arguments_json)
        results.append(result)
        return [{"role": "tool", "tool_call_id": call_id, "name": name, "content": json.dumps(result)}]

    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments_json}}
    step = Step({"role": "assistant", "content": "", "tool_calls": [call]}, model_call=False, run_tools=run_tool)
    recorder.store_step(step)
    set_status(turn, Turn.Status.COMPLETED)
    return results[0]
