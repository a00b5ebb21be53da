"""The tools plan tasks in the user's own time: `due` as ISO or words read in the user's zone,
`priority`, `repeat`; `list_tasks` filters and orders as the REST list does. Words that cannot
be read are a failed result with their code, never a guess."""

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import User
from accounts.time_zones import local_now
from chat.agent.messages import ToolCall, result_json
from chat.agent.prompt import system_prompt
from chat.agent.tools import Toolbox
from chat.tests.helpers import run_turn
from chat.tests.scripted_model import ScriptedModel, say
from todos.models import Todo

pytestmark = pytest.mark.django_db

# Saturday 5 December 2026, 20:00 UTC: already Sunday 6 December, 09:00, in Auckland.
NOW = datetime(2026, 12, 5, 20, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def run(user: User, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return result_json(Toolbox(user).run(ToolCall(id="c1", name=name, arguments_json=json.dumps(arguments))).result)


def in_zone(user: User, zone: str) -> User:
    user.time_zone = zone
    user.save(update_fields=["time_zone"])
    return user


@pytest.mark.parametrize(
    ("zone", "due", "expected"),
    [
        ("UTC", "tomorrow at 5pm", ("2026-12-06", "17:00")),
        ("Pacific/Auckland", "tomorrow at 5pm", ("2026-12-07", "17:00")),
        ("UTC", "next friday", ("2026-12-11", None)),
        ("Pacific/Auckland", "in 3 days", ("2026-12-09", None)),
        ("America/Los_Angeles", "2026-12-24T09:30", ("2026-12-24", "09:30")),
        ("Pacific/Auckland", "2026-12-24T09:30:00+00:00", ("2026-12-24", "22:30")),
        ("UTC", "2026-12-24", ("2026-12-24", None)),
    ],
)
def test_due_words_and_iso_are_read_in_the_users_zone(user: User, zone: str, due: str, expected: tuple) -> None:
    result = run(in_zone(user, zone), "add_task", {"title": "Call mum", "due": due})

    assert result["success"] is True
    assert (result["task"]["due_date"], result["task"]["due_time"]) == expected


def test_a_due_that_cannot_be_read_is_a_failure_with_its_code_and_adds_nothing(user: User) -> None:
    result = run(user, "add_task", {"title": "Call mum", "due": "when pigs fly"})

    assert result["success"] is False and result["code"] == "invalid_due_string"
    assert not Todo.objects.filter(owner=user).exists()


def test_a_repeat_that_cannot_be_read_is_a_failure_with_its_code(user: User) -> None:
    run(user, "add_task", {"title": "Gym"})

    assert run(user, "update_task", {"task_id": 1, "repeat": "sometimes"})["code"] == "invalid_recurrence"
    assert run(user, "update_task", {"task_id": 1, "repeat": "FREQ=HOURLY"})["code"] == "invalid_recurrence"
    assert Todo.objects.get(owner=user).recurrence == ""


def test_a_priority_is_set_and_an_unknown_one_refused(user: User) -> None:
    added = run(user, "add_task", {"title": "Taxes", "priority": "high"})
    lowered = run(user, "update_task", {"task_id": 1, "priority": "low"})
    unknown = run(user, "update_task", {"task_id": 1, "priority": "urgent"})

    assert added["task"]["priority"] == "high"
    assert lowered["task"]["priority"] == "low"
    assert unknown["success"] is False and unknown["code"] == "invalid_priority"


def test_a_repeat_without_a_due_date_starts_at_its_first_occurrence(user: User) -> None:
    result = run(in_zone(user, "Pacific/Auckland"), "add_task", {"title": "Gym", "repeat": "every monday"})

    assert result["task"]["recurrence"] == "FREQ=WEEKLY;BYDAY=MO"
    assert result["task"]["due_date"] == "2026-12-07"  # Monday, in Auckland


def test_due_words_that_repeat_set_the_repeat_too(user: User) -> None:
    result = run(user, "add_task", {"title": "Standup", "due": "every monday at 9"})

    assert (result["task"]["due_date"], result["task"]["due_time"]) == ("2026-12-07", "09:00")
    assert result["task"]["recurrence"] == "FREQ=WEEKLY;BYDAY=MO"


def test_a_new_due_keeps_the_repeat_and_none_clears(user: User) -> None:
    run(user, "add_task", {"title": "Gym", "due": "2026-12-07", "repeat": "weekdays"})

    moved = run(user, "update_task", {"task_id": 1, "due": "2026-12-08 at 7am"})
    unrepeated = run(user, "update_task", {"task_id": 1, "repeat": "none"})
    undated = run(user, "update_task", {"task_id": 1, "due": "none"})

    assert (moved["task"]["due_date"], moved["task"]["due_time"]) == ("2026-12-08", "07:00")
    assert moved["task"]["recurrence"] == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert unrepeated["task"]["recurrence"] is None and unrepeated["task"]["due_date"] == "2026-12-08"
    assert (undated["task"]["due_date"], undated["task"]["due_time"]) == (None, None)


def test_an_rrule_body_is_taken_as_it_is(user: User) -> None:
    result = run(user, "add_task", {"title": "Rent", "due": "2026-12-31", "repeat": "FREQ=MONTHLY;BYMONTHDAY=-1"})

    assert result["task"]["recurrence"] == "FREQ=MONTHLY;BYMONTHDAY=-1"


def test_update_task_with_nothing_to_change_is_refused(user: User) -> None:
    run(user, "add_task", {"title": "Gym"})

    result = run(user, "update_task", {"task_id": 1, "title": None, "due": None, "priority": None, "repeat": None})

    assert result["code"] == "invalid_arguments"


def test_list_tasks_filters_and_orders_as_the_rest_list(user: User) -> None:
    user = in_zone(user, "Pacific/Auckland")
    for title, due, priority in [
        ("Late", "2026-12-01", "low"),
        ("Today", "today", "high"),
        ("Tomorrow", "tomorrow", "medium"),
        ("Someday", None, "high"),
    ]:
        run(user, "add_task", {"title": title, "due": due, "priority": priority})

    def titles(**arguments: Any) -> list[str]:
        result = run(user, "list_tasks", {"status": "all", **arguments})
        assert result["success"] is True, result
        return [task["title"] for task in result["tasks"]]

    assert titles(due="overdue") == ["Late"]
    assert titles(due="today") == ["Today"]
    assert titles(due="no_date") == ["Someday"]
    assert titles(priority="high") == ["Today", "Someday"]
    assert titles(priority="high, medium", ordering="-due") == ["Tomorrow", "Today", "Someday"]
    assert titles(ordering="due") == ["Late", "Today", "Tomorrow", "Someday"]
    assert titles(ordering="-priority")[:2] == ["Today", "Someday"]
    assert run(user, "list_tasks", {"status": "all", "priority": "urgent"})["code"] == "invalid_priority"
    assert run(user, "list_tasks", {"status": "all", "due": "soon"})["code"] == "invalid"


def test_the_prompt_gives_the_users_local_date_weekday_time_and_zone(user: User) -> None:
    user = in_zone(user, "Pacific/Auckland")

    prompt = system_prompt(user_name="Ada", now=local_now(user))

    # 20:00 UTC on Saturday is 09:00 on Sunday in Auckland (UTC+13 in December).
    assert "It is now Sunday, 6 December 2026, 09:00 in Ada's time zone (Pacific/Auckland, UTC+13:00)." in prompt
    assert "Saturday" not in prompt


def test_a_turn_sends_the_prompt_in_the_owners_zone(user: User) -> None:
    model = ScriptedModel(say("Hi."))
    run_turn(owner=in_zone(user, "Pacific/Auckland"), message="hello", model=model)

    system = model.sent[0][0]
    assert system["role"] == "system" and "Sunday, 6 December 2026, 09:00" in system["content"]
