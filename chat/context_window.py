"""The token budget of a prompt: how many tokens messages and tool schemas cost, and which
suffix of a conversation's history fits beside what must be sent anyway.

Tokens are estimated, not counted: a model's tokenizer is not at hand (tiktoken downloads its
encodings, and a local model's tokenizer is another one again), so the estimate is a rule
that needs nothing but the text, chosen to come out at or above what OpenAI's tokenizers count
for the text this service sends:

    a message     = MESSAGE_OVERHEAD_TOKENS + ceil(UTF-8 bytes of its text / BYTES_PER_TOKEN)
    tool schemas  = ceil(UTF-8 bytes of their JSON / BYTES_PER_TOKEN)

where a message's text is its content, the JSON of its tool calls and, for a tool result, the
call id and tool name it carries. English runs about 4 bytes a token and JSON about 3 in
cl100k/o200k, so 3 over-counts both; text in non-Latin scripts can run closer to 1.5 bytes a
token and is under-counted, by at most half: `REPLY_RESERVE_TOKENS` is kept free beside the
prompt in any case. Tool schemas are sent as JSON here but shown to the model in a terser
form, so they are over-counted too.
"""

import json
import math
from collections.abc import Iterable, Sequence

from chat.agent.messages import AssistantMessage, ChatMessage, ToolMessage, ToolSchema, UserMessage, result_json
from chat.agent.openai_model import wire_tool, wire_tool_call

BYTES_PER_TOKEN = 3
# What a message costs beyond its text: its role and the separators around it (3 in OpenAI's
# chat format, plus 1 to spare).
MESSAGE_OVERHEAD_TOKENS = 4
# Kept free for the model's reply: a prompt is at most the budget (CHAT_CONTEXT_TOKENS) less this.
REPLY_RESERVE_TOKENS = 1024


def _text_tokens(size: int) -> int:
    return math.ceil(size / BYTES_PER_TOKEN)


def message_tokens(message: ChatMessage) -> int:
    """The estimated tokens of one message (see the module's docstring)."""
    if isinstance(message, ToolMessage):
        size = len(json.dumps(result_json(message.result)).encode())
        size += len(message.call_id.encode()) + len(message.name.encode())
    else:
        size = len(message.content.encode())
    if isinstance(message, AssistantMessage) and message.tool_calls:
        calls = [wire_tool_call(call) for call in message.tool_calls]
        size += len(json.dumps(calls, ensure_ascii=False).encode())
    return MESSAGE_OVERHEAD_TOKENS + _text_tokens(size)


def estimate_tokens(messages: Iterable[ChatMessage]) -> int:
    """The estimated tokens of `messages`."""
    return sum(message_tokens(message) for message in messages)


def estimate_tool_tokens(tools: Sequence[ToolSchema]) -> int:
    """The estimated tokens of the tool schemas sent with a prompt (none: 0), from the JSON the
    provider is sent."""
    if not tools:
        return 0
    return _text_tokens(len(json.dumps([wire_tool(tool) for tool in tools], ensure_ascii=False).encode()))


def prompt_tokens(messages: Iterable[ChatMessage], tools: Sequence[ToolSchema]) -> int:
    """The estimated tokens of one model call's prompt: its messages and its tool schemas."""
    return estimate_tokens(messages) + estimate_tool_tokens(tools)


def _group_starts(history: Sequence[ChatMessage]) -> list[int]:
    """Where each group of `history` starts: a group is a user message, a plain assistant
    message, or an assistant message that calls tools with the tool results that follow it.
    A history is never cut at a tool result."""
    return [index for index, message in enumerate(history) if not isinstance(message, ToolMessage)]


def _complete_group(history: Sequence[ChatMessage], start: int) -> bool:
    """Whether the group at `start` has a result for each call it makes, and no other result."""
    first = history[start]
    wanted = {call.id for call in first.tool_calls} if isinstance(first, AssistantMessage) else set()
    answered = set()
    for following in history[start + 1 :]:
        if not isinstance(following, ToolMessage):
            break
        answered.add(following.call_id)
    return answered == wanted


def fit_history(*, history: list[ChatMessage], fixed_tokens: int, budget: int) -> list[ChatMessage]:
    """The longest suffix of `history` whose tokens, with `fixed_tokens`, fit in `budget`,
    cut only where a group starts (see `_group_starts`): it never starts with a tool result nor
    keeps a tool call without all of its results. Among the cuts that fit, one at a user
    message (the start of a turn) is taken when there is one, so the model sees whole turns;
    when even the newest turn is too long, its newest groups that fit are kept.

    A group that lacks a result for one of its calls is dropped with everything before it
    (`chat.selectors.repaired` gives stored history every result; this holds for any input)."""
    available = budget - fixed_tokens
    if available <= 0 or not history:
        return []
    costs = [message_tokens(message) for message in history]
    starts = _group_starts(history)
    # Walk the groups from the newest: `cut` is the oldest start that still fits.
    cut, total, end = len(history), 0, len(history)
    for start in reversed(starts):
        group_cost = sum(costs[start:end])
        if total + group_cost > available or not _complete_group(history, start):
            break
        total += group_cost
        cut, end = start, start
    if cut < len(history) and not isinstance(history[cut], UserMessage):
        starts_turn = (index for index in range(cut, len(history)) if isinstance(history[index], UserMessage))
        turn_start = next(starts_turn, None)
        if turn_start is not None:
            cut = turn_start
    return history[cut:]
