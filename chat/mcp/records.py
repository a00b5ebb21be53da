"""A tool called over MCP is recorded as a chat turn is: a turn of the caller's "MCP"
conversation holding a user message naming the call and who made it, the assistant message
calling the tool, and its result, with the tool run inside the step's transaction by the chat's
own recorder (`chat.persistence`). So the admin shows it with the task changes it made, and
`undo_last_turn` over MCP undoes the caller's last change made over MCP (the conversation's
last turn with changes).

All of MCP's recording is `run_recorded`: the one place to adapt when the turn API changes.
"""

import uuid

from django.db import transaction

from accounts.models import User
from chat.agent.messages import AssistantMessage, ToolArguments, ToolCall, ToolResult
from chat.agent.runner import Step
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


def run_recorded(*, owner: User, source: str, name: str, arguments: ToolArguments) -> ToolResult:
    """Run the tool `name` for `owner` as one recorded turn, in one transaction; `source` says
    who called it (the access token's name). Returns the tool's result (a failure is a result too)."""
    call = ToolCall.of(id=f"mcp_{uuid.uuid4().hex}", name=name, arguments=arguments)
    with transaction.atomic():
        turn = start_turn(
            owner=owner,
            message=f"Over MCP ({source}): {name} {call.arguments_json}",
            conversation_id=_conversation(owner),
        )
        runs = TurnRecorder(turn=turn, owner=owner).store_step(
            Step(AssistantMessage(tool_calls=(call,)), model_call=False)
        )
        set_status(turn, Turn.Status.COMPLETED)
    return runs[0].result
