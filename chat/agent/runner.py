"""The tool-calling loop, shared by every model client."""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chat.agent.model import ChatMessage, ModelClient, ModelError, ModelProviderError, Usage
from chat.agent.tools import Toolbox

logger = logging.getLogger(__name__)

MAX_MODEL_CALLS = 8
LOOP_LIMIT_REPLY = (
    "I'm sorry, I couldn't finish that request in a reasonable number of steps. "
    "Here is what I did so far; please try again with a simpler request."
)


@dataclass(frozen=True)
class ToolRun:
    tool_name: str
    arguments: dict[str, Any]
    result: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"tool_name": self.tool_name, "arguments": self.arguments, "result": self.result}


@dataclass
class AgentTurn:
    """What one turn produced. `messages` are the new messages of the turn, in order,
    starting with the user's, in OpenAI's format: exactly what should be stored."""

    messages: list[ChatMessage] = field(default_factory=list)
    tool_runs: list[ToolRun] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    model_calls: int = 0
    reply: str = ""


class AgentFailed(Exception):
    """The model failed mid-turn. `turn` holds everything that completed before it."""

    def __init__(self, error: ModelError, turn: AgentTurn) -> None:
        super().__init__(str(error))
        self.error = error
        self.turn = turn


def run_agent(
    *,
    model: ModelClient,
    toolbox: Toolbox,
    system_prompt: str,
    history: list[ChatMessage],
    user_message: str,
    max_model_calls: int = MAX_MODEL_CALLS,
    on_step: Callable[[], None] | None = None,
) -> AgentTurn:
    """Run one turn: call the model, run the tools it asks for in order, feed results back,
    until it gives a final answer or `max_model_calls` calls have been made.

    `on_step` is called after every model call and its tools: a sign of life for callers
    that hold a lease on the turn."""
    turn = AgentTurn(messages=[{"role": "user", "content": user_message}])
    conversation: list[ChatMessage] = [{"role": "system", "content": system_prompt}, *history, *turn.messages]

    def add(message: ChatMessage) -> None:
        turn.messages.append(message)
        conversation.append(message)

    while turn.model_calls < max_model_calls:
        try:
            reply = model.complete(conversation, toolbox.schemas).cleaned()
        except ModelError as error:
            raise AgentFailed(error, turn) from error
        except Exception as error:
            # A model client must raise ModelError; anything else is a bug, but what the
            # turn already did must still be stored.
            logger.exception("model client %s failed unexpectedly", model.backend)
            raise AgentFailed(ModelProviderError(), turn) from error
        turn.model_calls += 1
        turn.usage += reply.usage
        add(reply.as_chat_message())
        if not reply.tool_calls:
            turn.reply = reply.content
            return turn
        for call in reply.tool_calls:
            arguments, result = toolbox.run(name=call.name, arguments_json=call.arguments)
            turn.tool_runs.append(ToolRun(call.name, arguments, result))
            add({"role": "tool", "tool_call_id": call.id, "name": call.name, "content": json.dumps(result)})
        if on_step is not None:
            on_step()

    turn.reply = LOOP_LIMIT_REPLY
    add({"role": "assistant", "content": LOOP_LIMIT_REPLY})
    return turn
