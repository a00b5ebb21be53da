"""`OfflineModel`: the built-in agent, a model client that needs no network and no key.

It works through the same tools and the same seam (`ModelClient`, as a `LocalModel`) as a real model,
and keeps no state of its own: each call rereads the conversation (and the structured `state`
its earlier messages carry) and recomputes the turn's steps.
    1. understand the user's message (with what the conversation says about it);
    2. if a step needs the user's task list, call `list_tasks` first (and search with it when
       the user has more tasks than a page: `lookup`);
    3. make the steps' tool calls;
    4. reply from their results.
"""

import uuid
from collections.abc import Sequence
from datetime import timedelta

from chat.agent.messages import (
    AssistantMessage,
    ChatMessage,
    SystemMessage,
    TaskPage,
    ToolCall,
    ToolFailure,
    ToolMessage,
    ToolResult,
    ToolSchema,
    UserMessage,
)
from chat.agent.model import LocalModel
from chat.agent.offline import replies
from chat.agent.offline.act import Situation, Step
from chat.agent.offline.answers import answer_question
from chat.agent.offline.context import read_context
from chat.agent.offline.intents import needs_task_list, plan_steps, result_line
from chat.agent.offline.lookup import looked_up, lookup_calls
from chat.agent.offline.state import LOOKUP, Question, State, is_lookup, question_state
from chat.agent.offline.tool_names import CALL_PREFIX, ToolCallSpec
from chat.agent.offline.understand import understand
from chat.agent.tool_registry import tool_names

MISSING_RESULT = ToolFailure(error="the tool failed", code="tool_failed")


class OfflineModel(LocalModel):
    backend = "offline"
    model = "offline"
    # Understanding a message takes well under a millisecond; one step is bounded by its tools.
    longest_step = timedelta(seconds=60)

    def complete(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSchema]) -> AssistantMessage:
        """The next assistant message of the turn that `messages` end with, with `tools` on offer."""
        return self.reply(messages, tool_names(tools))

    def reply(self, messages: Sequence[ChatMessage], tools: frozenset[str]) -> AssistantMessage:
        """The next assistant message of the turn that `messages` end with; `tools`: the names
        of the tools on offer."""
        start = next(
            (index for index in range(len(messages) - 1, -1, -1) if isinstance(messages[index], UserMessage)), None
        )
        if start is None:
            return AssistantMessage(content=replies.HELP)
        asked = messages[start]
        said = asked.content if isinstance(asked, UserMessage) else ""
        context = read_context([message for message in messages[:start] if not isinstance(message, SystemMessage)])
        requests = answer_question(understand(said, after_add=context.after_add), context)
        turn = messages[start + 1 :]
        batches = [message for message in turn if isinstance(message, AssistantMessage) and message.tool_calls]
        results = {message.call_id: message.result for message in turn if isinstance(message, ToolMessage)}
        lookups = [_results(batch, results) for batch in batches if is_lookup(batch)]
        done = [_results(batch, results) for batch in batches if not is_lookup(batch)]
        situation = Situation(tasks=None, totals=None, context=context, tools=tools)
        if any(needs_task_list(request) for request in requests):
            rounds = [[result if isinstance(result, TaskPage) else None for result in batch] for batch in lookups]
            if not done and (lookup := lookup_calls(requests, rounds, context)):
                return _call(lookup, state=LOOKUP)
            tasks, totals = looked_up(rounds)
            if tasks is None:
                return AssistantMessage(content=replies.UNREADABLE_TASKS)
            situation = Situation(tasks=tasks, totals=totals, context=context, tools=tools)
        steps = plan_steps(requests, situation)
        if not done:
            calls = [call for step in steps for call in step.calls]
            if calls:
                return _call(calls)
        return _reply(steps, done[0] if done else [], said)


def _results(batch: AssistantMessage, results: dict[str, ToolResult]) -> list[ToolResult]:
    """The results of one assistant message's tool calls, in the order of the calls."""
    return [results.get(call.id, MISSING_RESULT) for call in batch.tool_calls]


def _reply(steps: list[Step], results: list[ToolResult], said: str) -> AssistantMessage:
    """The reply from the steps' answers and their calls' results; questions last, with what
    they ask kept as the message's state."""
    outcomes = iter(results)
    lines: list[str] = []
    questions: list[str] = []
    candidates = [task for step in steps for task in step.question]
    for step in steps:
        if step.answer:
            (questions if step.question else lines).append(step.answer)
        for name, arguments in step.calls:
            outcome = next(outcomes, None)
            if outcome is not None and step.counting:
                lines.append(replies.counted(arguments, outcome))
            elif outcome is not None:
                lines.append(result_line(name, arguments, outcome))
        if step.footnote and step.calls:
            lines.append(step.footnote)
    text = "\n".join(lines + questions)
    state: State | None = question_state(Question(message=said, candidates=tuple(candidates))) if candidates else None
    return AssistantMessage(content=text or replies.UNCLEAR, state=state)


def _call(calls: list[ToolCallSpec], state: State | None = None) -> AssistantMessage:
    tool_calls = tuple(
        ToolCall.of(id=f"{CALL_PREFIX}{uuid.uuid4().hex}", name=name, arguments=arguments) for name, arguments in calls
    )
    return AssistantMessage(tool_calls=tool_calls, state=state)
