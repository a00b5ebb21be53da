"""`list_tasks` returns a page of tasks with the user's totals, however many tasks there are:
a user with 5,000 tasks gets 50 at a time, can page through them and find one by its words."""

import json
from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from chat.agent.messages import ToolCall, result_json
from chat.agent.tools import LIST_PAGE_SIZE, Toolbox
from chat.context_window import BYTES_PER_TOKEN
from todos.tests.factories import TodoFactory, bulk_tasks

pytestmark = pytest.mark.django_db

TASKS = 5000
# Every tenth task done; a few with words to find.
DONE = frozenset(range(10, TASKS + 1, 10))
NAMED = {1234: "Call the Dentist about the crown", 4321: "Renew the passport", 4999: "Book the dentist for Leo"}


def list_tasks(user: User, **arguments: object) -> dict[str, Any]:
    call = ToolCall(id="c1", name="list_tasks", arguments_json=json.dumps({"status": "all", **arguments}))
    return result_json(Toolbox(user).run(call).result)


@pytest.fixture
def busy_user(user: User) -> User:
    titles = [NAMED.get(number, f"Routine chore {number}") for number in range(1, TASKS + 1)]
    bulk_tasks(owner=user, titles=titles, completed=DONE)
    return user


def test_the_first_page_of_5000_tasks_with_the_totals(
    busy_user: User, other_user: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    TodoFactory.create(owner=other_user, title="Not mine")

    with django_assert_max_num_queries(2):  # the page, and one aggregate for the counts
        result = list_tasks(busy_user)

    assert result["success"] is True
    assert [task["id"] for task in result["tasks"]] == list(range(1, LIST_PAGE_SIZE + 1))
    assert (result["offset"], result["next_offset"], result["remaining"]) == (0, 50, 4950)
    assert result["matching"] == TASKS
    assert result["totals"] == {"all": 5000, "pending": 4500, "completed": 500}
    assert len(json.dumps(result)) / BYTES_PER_TOKEN < 4000  # a small part of a 16,000-token prompt


def test_paging_through_every_task_sees_each_once(busy_user: User) -> None:
    seen: list[int] = []
    offset: int | None = 0
    pages = 0
    while offset is not None:
        result = list_tasks(busy_user, offset=offset)
        seen += [task["id"] for task in result["tasks"]]
        offset, pages = result["next_offset"], pages + 1

    assert seen == list(range(1, TASKS + 1))
    assert pages == TASKS // LIST_PAGE_SIZE
    assert result["remaining"] == 0


def test_a_page_past_the_end_is_empty(busy_user: User) -> None:
    result = list_tasks(busy_user, offset=TASKS + 10)
    assert (result["tasks"], result["next_offset"], result["remaining"]) == ([], None, 0)
    assert result["totals"]["all"] == TASKS


def test_the_status_filter_pages_too_and_the_totals_stay_the_users(busy_user: User) -> None:
    result = list_tasks(busy_user, status="completed", offset=480)

    assert [task["id"] for task in result["tasks"]] == list(range(4810, 5001, 10))
    assert all(task["completed"] for task in result["tasks"])
    assert (result["matching"], result["remaining"], result["next_offset"]) == (500, 0, None)
    assert result["totals"] == {"all": 5000, "pending": 4500, "completed": 500}


def test_the_query_finds_tasks_by_each_word_in_any_case(busy_user: User) -> None:
    dentist = list_tasks(busy_user, query="DENTIST")
    both = list_tasks(busy_user, query="dentist crown")
    pending = list_tasks(busy_user, status="pending", query="passport")

    assert [task["id"] for task in dentist["tasks"]] == [1234, 4999]
    assert (dentist["matching"], dentist["remaining"], dentist["next_offset"]) == (2, 0, None)
    assert [task["title"] for task in both["tasks"]] == ["Call the Dentist about the crown"]
    assert [task["id"] for task in pending["tasks"]] == [4321]
    assert dentist["totals"] == {"all": 5000, "pending": 4500, "completed": 500}


def test_a_query_that_matches_many_pages_too(busy_user: User) -> None:
    result = list_tasks(busy_user, query="chore", offset=100)

    assert result["matching"] == TASKS - len(NAMED)
    assert len(result["tasks"]) == LIST_PAGE_SIZE
    assert result["remaining"] == TASKS - len(NAMED) - 150


def test_the_query_matches_the_description_too(user: User) -> None:
    TodoFactory.create(owner=user, title="Call the plumber", description="about the leak under the sink")
    TodoFactory.create(owner=user, title="Sink cleaning")

    assert [task["id"] for task in list_tasks(user, query="sink leak")["tasks"]] == [1]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"offset": -1}, "offset"),
        ({"query": "x" * 201}, "query"),
        ({"query": " ".join(["word"] * 11)}, "query"),
    ],
)
def test_a_bad_offset_or_query_is_a_failed_result(busy_user: User, arguments: dict[str, int | str], field: str) -> None:
    result = list_tasks(busy_user, **arguments)

    assert result["success"] is False
    assert result["code"] == "invalid"
    assert field in result["error"]
