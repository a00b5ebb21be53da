"""The prompt's token budget: the estimate, and which history fits (`chat.context_window`)."""

import json
import random

import pytest

from chat.agent.messages import (
    AssistantMessage,
    ChatMessage,
    ToolCall,
    ToolFailure,
    ToolMessage,
    UserMessage,
    result_json,
)
from chat.agent.openai_model import wire_tool
from chat.agent.tools import TOOLS
from chat.context_window import (
    BYTES_PER_TOKEN,
    MESSAGE_OVERHEAD_TOKENS,
    estimate_tokens,
    estimate_tool_tokens,
    fit_history,
    message_tokens,
    prompt_tokens,
)
from chat.tests.factories import tool_call
from chat.tests.helpers import as_dicts
from chat.tests.scripted_openai import assert_valid_history


def user(text: str) -> ChatMessage:
    return UserMessage(text)


def reply(text: str) -> ChatMessage:
    return AssistantMessage(content=text)


def calls(*call_ids: str) -> AssistantMessage:
    return AssistantMessage(tool_calls=tuple(ToolCall.of(id=i, name="list_tasks", arguments={}) for i in call_ids))


def result(call_id: str, error: str = "") -> ToolMessage:
    """A result of `len(error)` bytes more than the smallest."""
    return ToolMessage(call_id, "list_tasks", ToolFailure(error=error, code="c"))


def turn(number: int, *, tools: int = 1, size: int = 10) -> list[ChatMessage]:
    """A turn: the user's message, a message calling `tools` tools, their results, the reply."""
    ids = [f"t{number}c{index}" for index in range(tools)]
    called: list[ChatMessage] = [calls(*ids), *(result(i, "x" * size) for i in ids)] if tools else []
    return [user(f"message {number}"), *called, reply(f"reply {number}")]


# --- the estimate ---------------------------------------------------------------------------


def test_a_message_is_its_overhead_and_a_token_per_three_bytes_rounded_up() -> None:
    assert message_tokens(user("")) == MESSAGE_OVERHEAD_TOKENS
    assert message_tokens(user("abc")) == MESSAGE_OVERHEAD_TOKENS + 1
    assert message_tokens(user("abcd")) == MESSAGE_OVERHEAD_TOKENS + 2
    assert message_tokens(AssistantMessage()) == MESSAGE_OVERHEAD_TOKENS


def test_bytes_not_characters_are_counted() -> None:
    # "é" is 2 bytes in UTF-8, "你" 3, an emoji 4.
    assert message_tokens(user("é" * 3)) == MESSAGE_OVERHEAD_TOKENS + 2
    assert message_tokens(user("你" * 3)) == MESSAGE_OVERHEAD_TOKENS + 3
    assert message_tokens(user("🙂" * 3)) == MESSAGE_OVERHEAD_TOKENS + 4


def test_tool_calls_and_a_results_id_and_name_count_too() -> None:
    call = calls("call_1")
    answered = result("call_1", "")

    call_json = json.dumps([tool_call("call_1", "list_tasks", {})], ensure_ascii=False)
    assert message_tokens(call) == MESSAGE_OVERHEAD_TOKENS + -(-len(call_json.encode()) // BYTES_PER_TOKEN)
    answered_size = len(json.dumps(result_json(answered.result))) + len("call_1list_tasks")
    assert message_tokens(answered) == MESSAGE_OVERHEAD_TOKENS + -(-answered_size // BYTES_PER_TOKEN)


def test_messages_tools_and_a_prompt_add_up() -> None:
    messages = [user("hello"), reply("hi there"), *turn(1)]
    tools_json = json.dumps([wire_tool(tool) for tool in TOOLS.schemas]).encode()  # what the provider is sent

    assert estimate_tokens(messages) == sum(message_tokens(message) for message in messages)
    assert estimate_tokens(iter(messages)) == estimate_tokens(messages)  # any iterable
    assert estimate_tool_tokens(TOOLS.schemas) == -(-len(tools_json) // BYTES_PER_TOKEN)
    assert estimate_tool_tokens([]) == 0
    assert prompt_tokens(messages, TOOLS.schemas) == estimate_tokens(messages) + estimate_tool_tokens(TOOLS.schemas)


# --- fitting the history --------------------------------------------------------------------


def test_everything_is_kept_when_it_fits() -> None:
    history = [*turn(1), *turn(2, tools=2)]
    assert fit_history(history=history, fixed_tokens=10, budget=estimate_tokens(history) + 10) == history


def test_the_newest_whole_turns_that_fit_are_kept() -> None:
    first, second, third = turn(1), turn(2), turn(3)
    history = [*first, *second, *third]
    budget = estimate_tokens(second + third) + 100

    assert fit_history(history=history, fixed_tokens=100, budget=budget) == second + third
    assert fit_history(history=history, fixed_tokens=101, budget=budget) == third


def test_nothing_fits_in_no_room() -> None:
    history = turn(1)
    assert fit_history(history=history, fixed_tokens=500, budget=500) == []
    assert fit_history(history=history, fixed_tokens=600, budget=500) == []
    assert fit_history(history=[], fixed_tokens=0, budget=500) == []


def test_a_tool_call_is_never_kept_without_all_its_results() -> None:
    """The newest turn alone is too long: its reply fits, its call with two results does not,
    and neither result is kept without the call."""
    history = turn(1, tools=2, size=300)
    budget = message_tokens(history[-1]) + message_tokens(history[-2]) + message_tokens(history[-3])

    kept = fit_history(history=history, fixed_tokens=0, budget=budget)

    assert kept == history[-1:]


def test_within_the_newest_turn_groups_are_kept_when_no_turn_boundary_fits() -> None:
    history = [user("x" * 600), calls("a"), result("a"), reply("done")]
    budget = estimate_tokens(history[1:])

    assert fit_history(history=history, fixed_tokens=0, budget=budget) == history[1:]


def test_a_cut_moves_to_the_next_turn_boundary_when_there_is_one() -> None:
    """The first turn's reply would fit, but a window starting with a reply to nothing is not
    sent: the next user message starts it."""
    first, second = turn(1, tools=0), turn(2, tools=0)
    history = [*first, *second]
    budget = estimate_tokens(history) - message_tokens(first[0])

    assert fit_history(history=history, fixed_tokens=0, budget=budget) == second


def test_a_result_without_its_call_is_never_a_start_and_a_call_without_a_result_is_dropped() -> None:
    orphan = [result("gone"), *turn(1)]
    unanswered = [*turn(1), calls("lost"), reply("after")]

    assert fit_history(history=orphan, fixed_tokens=0, budget=10_000) == turn(1)
    assert fit_history(history=unanswered, fixed_tokens=0, budget=10_000) == [reply("after")]


@pytest.mark.parametrize("seed", range(25))
def test_any_history_fits_the_budget_keeps_the_newest_and_never_splits_a_group(seed: int) -> None:
    rng = random.Random(seed)
    history = [
        message
        for number in range(rng.randint(1, 12))
        for message in turn(number, tools=rng.randint(0, 3), size=rng.randint(0, 400))
    ]
    fixed, budget = rng.randint(0, 300), rng.randint(50, 3000)

    kept = fit_history(history=history, fixed_tokens=fixed, budget=budget)

    assert estimate_tokens(kept) + fixed <= budget or kept == []
    assert kept == history[len(history) - len(kept) :]  # a suffix: the newest
    if kept:
        assert not isinstance(kept[0], ToolMessage)
        assert_valid_history(as_dicts(kept))
    # Nothing more would fit at the cut before: the next older group start does not.
    starts = [index for index, message in enumerate(history) if not isinstance(message, ToolMessage)]
    older = [start for start in starts if start < len(history) - len(kept)]
    if older and kept and isinstance(kept[0], UserMessage):
        previous_turn = max(start for start in older if isinstance(history[start], UserMessage))
        assert estimate_tokens(history[previous_turn:]) + fixed > budget
