"""Benchmark 4: every prompt stays within CHAT_CONTEXT_TOKENS, however many tasks a user has.

A user with 5,000 tasks has one conversation of 40 turns through the real turn service
(`chat.turns.run_turn`): "show my tasks" and "add ..." in turn, 20 of each, answered by the
offline agent wrapped in a model that records every prompt it is sent and measures it with
the service's own estimate (`chat.context_window`). Printed: the largest prompt against the
budget, the largest tool result, and, side by side, what the same turns would have sent before
the budget (the last 40 stored messages, whatever their size, with `list_tasks` returning
every task; and with results paged but the history cut by message count alone). Exits 1 if a
prompt went over the budget.

Runs alone on a scratch SQLite file (`.venv/bin/python bench/prompt_budget.py`), or on
DATABASE_URL when it is set; the last line printed is the figures as JSON.
"""

import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
SCRATCH = tempfile.TemporaryDirectory(prefix="prompt-budget-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH.name}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdef")
os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.time_zones import local_now  # noqa: E402
from chat.agent.messages import (  # noqa: E402
    AssistantMessage,
    ChatMessage,
    SystemMessage,
    TaskPage,
    ToolMessage,
    ToolSchema,
    parse_result,
)
from chat.agent.offline import OfflineModel  # noqa: E402
from chat.agent.prompt import system_prompt  # noqa: E402
from chat.agent.tools import TOOLS, task_data  # noqa: E402
from chat.context_window import REPLY_RESERVE_TOKENS, estimate_tokens, message_tokens, prompt_tokens  # noqa: E402
from chat.models import Message  # noqa: E402
from chat.selectors import HISTORY_FIELDS, MESSAGE_ORDER, as_chat_message, repaired  # noqa: E402
from chat.tests.helpers import run_turn  # noqa: E402
from todos.models import TaskCounter, Todo  # noqa: E402

TASKS = 5000
TURNS = 20  # of each kind
OLD_HISTORY_MESSAGES = 40  # the message-count window before the budget (CHAT_HISTORY_MESSAGES)


class RecordingModel(OfflineModel):
    """The offline agent, measuring each prompt it is sent."""

    def __init__(self) -> None:
        self.prompts: list[int] = []

    def complete(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSchema]) -> AssistantMessage:
        self.prompts.append(prompt_tokens(messages, tools))
        return super().complete(messages, tools)


def busy_user() -> User:
    user = User.objects.create_user(username=f"budget-{timezone.now().timestamp()}", password=None, name="Ada")
    Todo.objects.bulk_create(
        Todo(owner=user, number=number, title=f"Routine chore number {number}", completed=number % 10 == 0)
        for number in range(1, TASKS + 1)
    )
    TaskCounter.objects.create(owner=user, last_number=TASKS)
    return user


def stored_turns(conversation_id: Any) -> list[list[ChatMessage]]:
    """The conversation's messages, turn by turn."""
    turns: dict[int, list[ChatMessage]] = {}
    rows = Message.objects.filter(conversation_id=conversation_id).order_by(*MESSAGE_ORDER)
    for row in rows.values(*HISTORY_FIELDS, "turn_id"):
        turns.setdefault(row["turn_id"], []).append(as_chat_message(row))
    return list(turns.values())


def unbounded(messages: list[ChatMessage], full_list_tokens: int) -> int:
    """The tokens of `messages` had each `list_tasks` result held every task."""
    return sum(
        full_list_tokens
        if isinstance(message, ToolMessage) and message.name == "list_tasks"
        else message_tokens(message)
        for message in messages
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    budget = settings.CHAT_CONTEXT_TOKENS
    user = busy_user()
    model = RecordingModel()
    conversation_id = None
    per_turn: list[tuple[str, int]] = []
    largest_result = 0
    for number in range(TURNS):
        for message in ("show my tasks", f"add call the plumber about leak {number}"):
            calls_before = len(model.prompts)
            turn = run_turn(owner=user, message=message, conversation_id=conversation_id, model=model)
            conversation_id = turn.conversation_id
            per_turn.append((message.split()[0], max(model.prompts[calls_before:])))
            for call in turn.tool_calls:
                size = message_tokens(ToolMessage("", "list_tasks", parse_result(call["result"])))
                largest_result = max(largest_result, size)

    # Before the budget: the last 40 stored messages of earlier turns, list results unbounded.
    every_task = Todo.objects.filter(owner=user).order_by("number")
    full_result = TaskPage(tasks=tuple(task_data(task) for task in every_task))
    full_list_tokens = message_tokens(ToolMessage("", "list_tasks", full_result))
    fixed = estimate_tokens(
        [SystemMessage(system_prompt(user_name=user.display_name, now=local_now(user)))]
    ) + prompt_tokens([], TOOLS.schemas)
    turns = stored_turns(conversation_id)
    old, paged_only = [], []
    for index, current in enumerate(turns):
        earlier = repaired([message for turn in turns[:index] for message in turn][-OLD_HISTORY_MESSAGES:])
        old.append(fixed + unbounded(earlier, full_list_tokens) + unbounded(current, full_list_tokens))
        paged_only.append(fixed + estimate_tokens(earlier) + estimate_tokens(current))

    figures = {
        "tasks": TASKS,
        "turns": len(per_turn),
        "model_calls": len(model.prompts),
        "budget_tokens": budget,
        "prompt_limit_tokens": budget - REPLY_RESERVE_TOKENS,
        "max_prompt_tokens": max(model.prompts),
        "max_prompt_tokens_show": max(tokens for kind, tokens in per_turn if kind == "show"),
        "max_prompt_tokens_add": max(tokens for kind, tokens in per_turn if kind == "add"),
        "largest_tool_result_tokens": largest_result,
        "before_max_prompt_tokens": max(old),
        "before_largest_tool_result_tokens": full_list_tokens,
        "paged_results_40_messages_max_prompt_tokens": max(paged_only),
        "within_budget": max(model.prompts) <= budget - REPLY_RESERVE_TOKENS,
    }
    print(f"Prompt budget: a user with {TASKS:,} tasks, {len(per_turn)} turns in one conversation (offline agent)")
    print(f"  CHAT_CONTEXT_TOKENS {budget:,}; a prompt may use {budget - REPLY_RESERVE_TOKENS:,} (the rest: reply)")
    print(f"  {'':34}{'now':>10}{'before the budget':>20}")
    print(f"  {'largest prompt (estimated tokens)':34}{max(model.prompts):>10,}{max(old):>20,}")
    print(f"  {'largest tool result':34}{largest_result:>10,}{full_list_tokens:>20,}")
    print(f"  {'largest prompt, 40-message window':34}{'':>10}{max(paged_only):>20,}  (results paged, no budget)")
    print(f"  {'largest prompt, show turns':34}{figures['max_prompt_tokens_show']:>10,}")
    print(f"  {'largest prompt, add turns':34}{figures['max_prompt_tokens_add']:>10,}")
    print(f"  every prompt within the budget: {'yes' if figures['within_budget'] else 'NO'}")
    print(json.dumps(figures))
    if not figures["within_budget"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
