"""The offline agent's intents, declared once (`intents.INTENTS`): every kind has one, the tools
they name are registered ones, and the sets of kinds the stages use come from them."""

from typing import get_args

from chat.agent.offline.intents import INTENTS, MUTATING, NAMING, TARGETED, mutates
from chat.agent.offline.requests import Request, RequestKind, Target
from chat.agent.offline.understand import understand
from chat.agent.tools import TOOLS


def test_every_kind_of_request_is_declared_once() -> None:
    assert set(INTENTS) == set(get_args(RequestKind))
    assert all(kind == intent.kind for kind, intent in INTENTS.items())


def test_the_tools_the_intents_call_are_registered() -> None:
    assert {intent.tool for intent in INTENTS.values() if intent.tool} <= set(TOOLS.names)


def test_reopen_and_undo_change_tasks() -> None:
    assert {"reopen", "undo"} <= MUTATING
    assert mutates(Request("reopen", target=Target(numbers=(1,))))
    assert not mutates(Request("show"))


def test_one_set_of_targeted_kinds_serves_every_stage() -> None:
    assert {"complete", "delete", "update", "reopen", "story", "ask_status", "ask_number", "ask_task"} <= TARGETED
    assert {"target", "story", "not_done"} == NAMING


def test_a_reopen_takes_its_task_from_the_clause_before_it() -> None:
    assert understand("the milk one - reopen it") == [Request("reopen", target=Target(words=("milk",)))]


def test_understanding_reads_with_each_intents_own_reader() -> None:
    from chat.agent.offline import understand as understanding

    own = [intent.reader for intent in INTENTS.values() if intent.reader is not None]
    assert own and all(reader in understanding.READERS for reader in own)
    assert understanding.READERS[: len(understanding.FAMILY_READERS)] == understanding.FAMILY_READERS
