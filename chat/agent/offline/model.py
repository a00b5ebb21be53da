"""`OfflineModel`: the built-in agent, a model client that needs no network and no key.

It works through the same tools and the same seam (`ModelClient`, as a `LocalModel`) as a real model,
and keeps no state: each call rereads the conversation and recomputes the turn's steps.
    1. understand the user's message (with what the conversation says about it);
    2. if a step needs the user's task list, call `list_tasks` first (and search with it when
       the user has more tasks than a page: `lookup`);
    3. make the steps' tool calls;
    4. reply from their results.
"""

import json
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from chat.agent import messages as typed
from chat.agent.messages import AssistantMessage, ToolCall, ToolSchema, Usage
from chat.agent.model import ChatMessage, LocalModel
from chat.agent.offline import replies
from chat.agent.offline.act import ToolCallSpec, answer_question, needs_task_list, plan_steps
from chat.agent.offline.context import (
    LOOKUP_CALL_PREFIX,
    SHOW_CALL_PREFIX,
    TaskPage,
    content,
    read_context,
    tool_calls,
    tool_result,
)
from chat.agent.offline.lookup import looked_up, lookup_calls
from chat.agent.offline.understand import understand


class OfflineModel(LocalModel):
    backend = "offline"
    model = "offline"
    # Understanding a message takes well under a millisecond; one step is bounded by its tools.
    longest_step = timedelta(seconds=60)

    def complete(self, typed_messages: Sequence[typed.ChatMessage], tools: Sequence[ToolSchema]) -> AssistantMessage:
        messages = as_openai_messages(typed_messages)
        start = next(
            (index for index in range(len(messages) - 1, -1, -1) if messages[index].get("role") == "user"), None
        )
        if start is None:
            return AssistantMessage(content=replies.HELP)
        context = read_context([message for message in messages[:start] if message.get("role") != "system"])
        requests = answer_question(understand(content(messages[start]), after_add=context.after_add), context)
        turn = messages[start + 1 :]
        lookups = [_batch_results(message, turn) for message in turn if tool_calls(message) and _is_lookup(message)]
        done = [_batch_results(message, turn) for message in turn if tool_calls(message) and not _is_lookup(message)]
        tasks, totals = None, None
        if needs_task_list(requests):
            rounds = [[TaskPage.from_result(result) for result in results] for results in lookups]
            if not done and (lookup := lookup_calls(requests, rounds, context)):
                return _call(lookup, prefix=LOOKUP_CALL_PREFIX)
            tasks, totals = looked_up(rounds)
            if tasks is None:
                return AssistantMessage(content=replies.UNREADABLE_TASKS)
        names = frozenset(str(tool.get("function", {}).get("name", "")) for tool in tools)
        steps = plan_steps(requests, tasks=tasks, totals=totals, context=context, tools=names)
        if not done:
            calls = [call for step in steps for call in step.calls]
            if calls:
                return _call(calls)
        results = iter(done[0] if done else [])
        lines: list[str] = []
        for step in steps:
            if step.answer:
                lines.append(step.answer)
            for name, arguments in step.calls:
                outcome = next(results, None)
                if outcome is not None:
                    lines.append(replies.result_line(name, arguments, outcome))
        questions = [line for line in lines if line.startswith(replies.QUESTION_PREFIX)]
        text = "\n".join([line for line in lines if line not in questions] + questions)
        return AssistantMessage(content=text or replies.UNCLEAR)


def as_openai_messages(messages: Sequence[typed.ChatMessage]) -> list[ChatMessage]:
    """The typed messages in the OpenAI-format dicts the rest of this package reads."""
    out: list[ChatMessage] = []
    for message in messages:
        if isinstance(message, typed.SystemMessage):
            out.append({"role": "system", "content": message.content})
        elif isinstance(message, typed.UserMessage):
            out.append({"role": "user", "content": message.content})
        elif isinstance(message, typed.ToolMessage):
            content = json.dumps(typed.result_json(message.result))
            out.append({"role": "tool", "tool_call_id": message.call_id, "name": message.name, "content": content})
        else:
            assistant: ChatMessage = {"role": "assistant", "content": message.content}
            if message.tool_calls:
                assistant["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments_json},
                    }
                    for call in message.tool_calls
                ]
            out.append(assistant)
    return out


def _batch_results(call_message: ChatMessage, turn: list[ChatMessage]) -> list[dict[str, Any]]:
    """The results of one assistant message's tool calls, in the order of the calls."""
    by_id = {
        str(message.get("tool_call_id")): tool_result(message) for message in turn if message.get("role") == "tool"
    }
    return [by_id.get(call_id, {}) for call_id, _ in tool_calls(call_message)]


def _is_lookup(message: ChatMessage) -> bool:
    """Whether an assistant message's tool calls read tasks for resolving (see `lookup`)."""
    return all(call_id.startswith(LOOKUP_CALL_PREFIX) for call_id, _ in tool_calls(message))


def _call(calls: list[ToolCallSpec], prefix: str = "offline_") -> AssistantMessage:
    tool_calls_ = tuple(
        ToolCall.of(
            id=f"{SHOW_CALL_PREFIX if name == 'list_tasks' and prefix == 'offline_' else prefix}{uuid.uuid4().hex}",
            name=name,
            arguments=arguments,
        )
        for name, arguments in calls
    )
    return AssistantMessage(tool_calls=tool_calls_, usage=Usage())
