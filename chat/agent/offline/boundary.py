"""The boundary between the offline agent, which reads and writes the typed messages of
`chat.agent.messages`, and the rest of the system on this branch, which still passes
OpenAI-format dicts (`chat.agent.model.ChatMessage`) and expects `chat.agent.model.AssistantMessage`.

TO DELETE AT MERGE, with the call in `OfflineModel.complete`: once the loop hands the model
typed messages (with `AssistantMessage.state` stored), `OfflineModel.reply` is `complete`.

Until then the dicts do not carry the agent's `state` (persistence does not store it), so the
FALLBACK below reads it back from what the old messages did show: a lookup round's call ids
(`LOOKUP_CALL_PREFIX`) and a "which one?" reply's wording (`QUESTION_PREFIX`, `CANDIDATE`).
"""

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from chat.agent import messages, model
from chat.agent.offline.replies import QUESTION_PREFIX
from chat.agent.offline.state import LOOKUP, Question, State, is_lookup, question_state
from chat.agent.offline.tool_names import CALL_PREFIX
from chat.agent.offline.views import TaskView

LOOKUP_CALL_PREFIX = "offline_lookup_"
CANDIDATE = re.compile(r"\btask (\d+) \"([^\"]*)\"", re.IGNORECASE)


def typed_messages(history: Sequence[model.ChatMessage]) -> list[messages.ChatMessage]:
    """Dict messages as typed ones; the agent's state from a `"state"` key, else the fallback.
    Each call of a turn rereads the whole conversation, so each message is converted once."""
    typed: list[messages.ChatMessage] = []
    said, names = "", dict[str, str]()
    for message in history:
        role, text = message.get("role"), message.get("content")
        content = text if isinstance(text, str) else ""
        if role == "user":
            said = content
            typed.append(_user(content))
        elif role == "assistant":
            calls = tuple(_call_parts(call) for call in message.get("tool_calls") or [] if isinstance(call, dict))
            names.update((call_id, name) for call_id, name, _ in calls)
            stored = message.get("state")
            if isinstance(stored, dict):
                tool_calls = tuple(_parsed_call(*call) for call in calls)
                typed.append(messages.AssistantMessage(content=content, tool_calls=tool_calls, state=stored))
            else:
                typed.append(_assistant(content, calls, said))
        elif role == "tool":
            call_id = str(message.get("tool_call_id", ""))
            typed.append(_tool(call_id, str(message.get("name") or names.get(call_id, "")), content))
        elif role == "system":
            typed.append(messages.SystemMessage(content=content))
    return typed


@lru_cache(maxsize=4096)
def _user(content: str) -> messages.UserMessage:
    return messages.UserMessage(content=content)


@lru_cache(maxsize=4096)
def _assistant(content: str, calls: tuple[tuple[str, str, str], ...], said: str) -> messages.AssistantMessage:
    tool_calls = tuple(_parsed_call(*call) for call in calls)
    state = _fallback_state(content, tool_calls, said)
    return messages.AssistantMessage(content=content, tool_calls=tool_calls, state=state)


@lru_cache(maxsize=4096)
def _tool(call_id: str, name: str, content: str) -> messages.ToolMessage:
    return messages.ToolMessage(call_id=call_id, name=name, result=_result(content))


def _call_parts(call: dict[str, Any]) -> tuple[str, str, str]:
    """A dict tool call's id, name and arguments."""
    function = call["function"] if isinstance(call.get("function"), dict) else {}
    return str(call.get("id", "")), str(function.get("name", "")), str(function.get("arguments") or "")


@lru_cache(maxsize=4096)
def _parsed_call(call_id: str, name: str, arguments_json: str) -> messages.ToolCall:
    """Cached: each call of a turn rereads the same calls (a call's arguments are never changed)."""
    return messages.ToolCall.parse(id=call_id, name=name, arguments_json=arguments_json)


@lru_cache(maxsize=1024)
def _result(content: str) -> messages.ToolResult:
    """A tool message's JSON read once (each call of a turn rereads the same results)."""
    try:
        data = json.loads(content)
    except (ValueError, RecursionError):
        data = None
    return messages.parse_result(data)


def model_message(message: messages.AssistantMessage) -> model.AssistantMessage:
    """The typed reply as the loop on this branch takes it (a lookup round's calls marked by id)."""
    lookup = is_lookup(message)
    calls = tuple(
        model.ToolCall(
            id=LOOKUP_CALL_PREFIX + call.id.removeprefix(CALL_PREFIX) if lookup else call.id,
            name=call.name,
            arguments=call.arguments_json,
        )
        for call in message.tool_calls
    )
    return model.AssistantMessage(content=message.content, tool_calls=calls, usage=model.Usage())


def tool_names(tools: list[dict[str, Any]]) -> frozenset[str]:
    return frozenset(str(tool.get("function", {}).get("name", "")) for tool in tools)


def _fallback_state(content: str, calls: tuple[messages.ToolCall, ...], said: str) -> State | None:
    """FALLBACK, to delete at merge: the state the message would have carried, read from its
    call ids and its wording."""
    if calls and all(call.id.startswith(LOOKUP_CALL_PREFIX) for call in calls):
        return LOOKUP
    if QUESTION_PREFIX not in content:
        return None
    asked = content[content.index(QUESTION_PREFIX) :]
    candidates = tuple(TaskView(number=int(number), title=title) for number, title in CANDIDATE.findall(asked))
    return question_state(Question(message=said, candidates=candidates)) if candidates else None
