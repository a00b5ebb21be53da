"""Planning through the REST API and the services: due dates in the owner's zone, priorities,
repeats, the list filters and orderings, with a frozen clock."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

import pytest
import time_machine

from accounts.models import User
from accounts.tests.factories import UserFactory
from conftest import client_for
from todos import errors, services
from todos.models import Todo
from todos.selectors import TaskFilter, is_overdue, tasks_for

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse

pytestmark = pytest.mark.django_db

# Friday 4 December 2026, 20:00 UTC: Saturday 09:00 in Auckland, Friday 12:00 in Los Angeles.
INSTANT = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(INSTANT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def kiwi(db: None) -> User:
    return UserFactory.create(time_zone="Pacific/Auckland")


@pytest.fixture
def angeleno(db: None) -> User:
    return UserFactory.create(time_zone="America/Los_Angeles")


def tasks_url(user: User, suffix: str = "") -> str:
    return f"/api/{user.pk}/tasks{suffix}"


def titles(response: "_MonkeyPatchedResponse") -> list[str]:
    assert response.status_code == 200, response.json()
    return [task["title"] for task in response.json()["results"]]


def add(owner: User, title: str, **fields: Any) -> Todo:
    return services.add_task(owner=owner, title=title, **fields)


def three_days(owner: User) -> None:
    for day in (3, 4, 5, 6):
        add(owner, f"dec {day}", due_date=date(2026, 12, day))
    add(owner, "no date")


@pytest.mark.parametrize(
    ("who", "due", "expected"),
    [
        ("kiwi", "today", ["dec 5"]),
        ("kiwi", "tomorrow", ["dec 6"]),
        ("kiwi", "overdue", ["dec 3", "dec 4"]),
        ("angeleno", "today", ["dec 4"]),
        ("angeleno", "tomorrow", ["dec 5"]),
        # Its date-only task of today is not overdue before the local day ends.
        ("angeleno", "overdue", ["dec 3"]),
        ("kiwi", "no_date", ["no date"]),
    ],
)
def test_two_zones_at_one_instant_have_their_own_days(
    frozen: time_machine.Traveller, request: pytest.FixtureRequest, who: str, due: str, expected: list[str]
) -> None:
    owner = request.getfixturevalue(who)
    three_days(owner)
    assert titles(client_for(owner).get(tasks_url(owner), {"due": due})) == expected


def test_a_date_only_task_is_overdue_from_the_next_local_day_on(frozen: time_machine.Traveller, angeleno: User) -> None:
    task = add(angeleno, "today", due_date=date(2026, 12, 4))
    frozen.move_to(datetime(2026, 12, 5, 7, 59, tzinfo=UTC))  # 23:59 on the 4th in Los Angeles
    assert not is_overdue(task)
    assert client_for(angeleno).get(tasks_url(angeleno, "/1")).json()["overdue"] is False
    frozen.move_to(datetime(2026, 12, 5, 8, 0, tzinfo=UTC))  # midnight
    assert is_overdue(task)
    assert client_for(angeleno).get(tasks_url(angeleno, "/1")).json()["overdue"] is True
    assert titles(client_for(angeleno).get(tasks_url(angeleno), {"due": "overdue"})) == ["today"]


def test_a_timed_task_is_overdue_once_its_local_time_has_passed(frozen: time_machine.Traveller, angeleno: User) -> None:
    add(angeleno, "before lunch", due_date=date(2026, 12, 4), due_time=time(11, 59))
    add(angeleno, "after lunch", due_date=date(2026, 12, 4), due_time=time(12, 1))
    add(angeleno, "done", due_date=date(2026, 12, 1))
    services.update_task(owner=angeleno, number=3, completed=True)
    body = client_for(angeleno).get(tasks_url(angeleno)).json()["results"]
    assert [task["overdue"] for task in body] == [True, False, False]
    assert titles(client_for(angeleno).get(tasks_url(angeleno), {"due": "overdue"})) == ["before lunch"]


def test_this_week_runs_to_sunday_and_next_7_days_a_week(frozen: time_machine.Traveller, kiwi: User) -> None:
    # Saturday 5 December in Auckland: this week is Saturday and Sunday.
    for day in (4, 5, 6, 7, 11, 12):
        add(kiwi, f"dec {day}", due_date=date(2026, 12, day))
    api = client_for(kiwi)
    assert titles(api.get(tasks_url(kiwi), {"due": "this_week"})) == ["dec 5", "dec 6"]
    assert titles(api.get(tasks_url(kiwi), {"due": "next_7_days"})) == ["dec 5", "dec 6", "dec 7", "dec 11"]


def test_due_before_and_after_are_dates(frozen: time_machine.Traveller, kiwi: User) -> None:
    three_days(kiwi)
    api = client_for(kiwi)
    assert titles(api.get(tasks_url(kiwi), {"due_before": "2026-12-05"})) == ["dec 3", "dec 4"]
    assert titles(api.get(tasks_url(kiwi), {"due_after": "2026-12-04"})) == ["dec 5", "dec 6"]
    assert titles(api.get(tasks_url(kiwi), {"due_after": "2026-12-03", "due_before": "2026-12-06"})) == [
        "dec 4",
        "dec 5",
    ]
    assert api.get(tasks_url(kiwi), {"due_before": "friday"}).status_code == 400


def test_priority_takes_one_value_or_a_comma_list(frozen: time_machine.Traveller, kiwi: User) -> None:
    for priority in ("high", "low", "none", "medium"):
        add(kiwi, priority, priority=priority)
    api = client_for(kiwi)
    assert titles(api.get(tasks_url(kiwi), {"priority": "high"})) == ["high"]
    assert titles(api.get(tasks_url(kiwi), {"priority": "high,medium"})) == ["high", "medium"]
    response = api.get(tasks_url(kiwi), {"priority": "urgent"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_priority"


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("number", ["a", "b", "c", "d"]),
        ("-number", ["d", "c", "b", "a"]),
        # A date without a time comes after the timed ones of its day; no date last either way.
        ("due", ["c", "b", "a", "d"]),
        ("-due", ["a", "b", "c", "d"]),
        ("priority", ["d", "a", "c", "b"]),
        ("-priority", ["b", "c", "a", "d"]),
        ("created_at", ["a", "b", "c", "d"]),
        ("-created_at", ["d", "c", "b", "a"]),
        ("completed_at", ["b", "a", "c", "d"]),
        ("-completed_at", ["a", "b", "c", "d"]),
    ],
)
def test_every_ordering(frozen: time_machine.Traveller, kiwi: User, ordering: str, expected: list[str]) -> None:
    add(kiwi, "a", due_date=date(2026, 12, 7), priority="low")
    frozen.shift(60)
    add(kiwi, "b", due_date=date(2026, 12, 7), due_time=time(9, 0), priority="high")
    frozen.shift(60)
    add(kiwi, "c", due_date=date(2026, 12, 6), priority="medium")
    frozen.shift(60)
    add(kiwi, "d")
    services.complete_task(owner=kiwi, number=2)
    frozen.shift(60)
    services.complete_task(owner=kiwi, number=1)
    assert titles(client_for(kiwi).get(tasks_url(kiwi), {"ordering": ordering})) == expected


@pytest.mark.parametrize(
    "query",
    [
        {"status": ""},
        {"due": ""},
        {"due": "someday"},
        {"ordering": "title"},
        {"ordering": "--due"},
        {"due_after": ""},
        {"priority": ""},
    ],
)
def test_bad_filters_are_400(kiwi: User, query: dict[str, str]) -> None:
    assert client_for(kiwi).get(tasks_url(kiwi), query).status_code == 400


def test_create_with_due_fields_shows_them(frozen: time_machine.Traveller, kiwi: User) -> None:
    response = client_for(kiwi).post(
        tasks_url(kiwi),
        {"title": "Standup", "due_date": "2026-12-07", "due_time": "09:30", "priority": "high",
         "recurrence": "FREQ=WEEKLY;BYDAY=MO"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert {key: body[key] for key in ("due_date", "due_time", "priority", "recurrence", "overdue")} == {
        "due_date": "2026-12-07",
        "due_time": "09:30",
        "priority": "high",
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
        "overdue": False,
    }
    assert body["completed_at"] is None


def test_a_due_string_is_read_in_the_owners_zone(frozen: time_machine.Traveller, kiwi: User, angeleno: User) -> None:
    for owner, expected in ((kiwi, "2026-12-06"), (angeleno, "2026-12-05")):
        response = client_for(owner).post(tasks_url(owner), {"title": "t", "due_string": "tomorrow at 5pm"})
        assert response.status_code == 201
        assert (response.json()["due_date"], response.json()["due_time"]) == (expected, "17:00")


def test_patch_with_a_due_string_sets_date_time_and_repeat(frozen: time_machine.Traveller, kiwi: User) -> None:
    add(kiwi, "gym")
    response = client_for(kiwi).patch(tasks_url(kiwi, "/1"), {"due_string": "every monday at 7am"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["due_date"], body["due_time"], body["recurrence"]) == ("2026-12-07", "07:00", "FREQ=WEEKLY;BYDAY=MO")


def test_clearing_the_due_date_clears_the_time_and_the_repeat(kiwi: User) -> None:
    add(kiwi, "gym", due_date=date(2026, 12, 7), due_time=time(7, 0), recurrence="FREQ=DAILY")
    response = client_for(kiwi).patch(tasks_url(kiwi, "/1"), {"due_date": None}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["due_date"], body["due_time"], body["recurrence"]) == (None, None, None)


def test_patch_keeps_the_fields_it_does_not_name(kiwi: User) -> None:
    add(kiwi, "gym", due_date=date(2026, 12, 7), due_time=time(7, 0), priority="low")
    response = client_for(kiwi).patch(tasks_url(kiwi, "/1"), {"due_time": "08:15"}, format="json")
    body = response.json()
    assert (body["due_date"], body["due_time"], body["priority"]) == ("2026-12-07", "08:15", "low")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"title": "t", "due_string": "when pigs fly"}, "invalid_due_string"),
        ({"title": "t", "due_time": "09:00"}, "due_time_without_date"),
        ({"title": "t", "recurrence": "FREQ=DAILY"}, "recurrence_without_date"),
        ({"title": "t", "due_date": "2026-12-07", "recurrence": "FREQ=SOMETIMES"}, "invalid_recurrence"),
        ({"title": "t", "priority": "urgent"}, "invalid_priority"),
        ({"title": "t", "due_string": "tomorrow", "due_date": "2026-12-07"}, "conflicting_due"),
    ],
)
def test_bad_plans_are_400_with_a_code(
    frozen: time_machine.Traveller, kiwi: User, body: dict[str, str], code: str
) -> None:
    response = client_for(kiwi).post(tasks_url(kiwi), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not Todo.objects.exists()


def test_a_due_time_on_a_task_without_a_date_is_refused_on_patch(kiwi: User) -> None:
    add(kiwi, "t")
    response = client_for(kiwi).patch(tasks_url(kiwi, "/1"), {"due_time": "09:00"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "due_time_without_date")


@pytest.mark.parametrize("body", [{"title": "t", "description": 0}, {"title": 5}, {"title": "t", "due_string": 3}])
def test_text_fields_take_only_strings(kiwi: User, body: dict[str, str | int]) -> None:
    assert client_for(kiwi).post(tasks_url(kiwi), body, format="json").status_code == 400
    assert not Todo.objects.exists()


def test_completing_a_repeating_task_moves_it_to_its_next_date(frozen: time_machine.Traveller, angeleno: User) -> None:
    add(angeleno, "water plants", due_date=date(2026, 12, 4), due_time=time(9, 0), recurrence="FREQ=WEEKLY;BYDAY=FR")
    response = client_for(angeleno).patch(tasks_url(angeleno, "/1/complete"))
    assert response.status_code == 200
    body = response.json()
    assert (body["completed"], body["due_date"], body["due_time"]) == (False, "2026-12-11", "09:00")
    assert body["completed_at"] == "2026-12-04T20:00:00Z"


def test_a_daily_nine_oclock_stays_at_nine_across_the_change_to_summer_time(angeleno: User) -> None:
    add(angeleno, "walk", due_date=date(2026, 3, 7), due_time=time(9, 0), recurrence="FREQ=DAILY")
    for expected in (date(2026, 3, 8), date(2026, 3, 9)):
        task = services.complete_task(owner=angeleno, number=1)
        assert (task.due_date, task.due_time, task.completed) == (expected, time(9, 0), False)
    # 16:30 UTC on 9 March is 9:30 summer time in Los Angeles (it would be 8:30 in winter time).
    with time_machine.travel(datetime(2026, 3, 9, 16, 30, tzinfo=UTC), tick=False):
        assert is_overdue(Todo.objects.get())
    with time_machine.travel(datetime(2026, 3, 9, 15, 59, tzinfo=UTC), tick=False):
        assert not is_overdue(Todo.objects.get())


def test_a_repeat_that_has_ended_completes_the_task(angeleno: User) -> None:
    add(angeleno, "last one", due_date=date(2026, 3, 7), recurrence="FREQ=DAILY;UNTIL=20260307")
    task = services.complete_task(owner=angeleno, number=1)
    assert (task.completed, task.due_date) == (True, date(2026, 3, 7))


def test_undo_of_completing_a_repeating_task_restores_its_date(frozen: time_machine.Traveller, kiwi: User) -> None:
    add(kiwi, "pay rent", due_date=date(2026, 12, 1), recurrence="FREQ=MONTHLY;BYMONTHDAY=1", priority="high")
    before = services.lock_task_snapshot(owner=kiwi, number=1)
    after = services.task_snapshot(services.complete_task(owner=kiwi, number=1))
    assert before is not None
    assert (before["due_date"], after["due_date"]) == ("2026-12-01", "2027-01-01")
    assert (before["completed_at"], after["completed_at"]) == (None, "2026-12-04T20:00:00+00:00")
    assert before["recurrence"] == after["recurrence"] == "FREQ=MONTHLY;BYMONTHDAY=1"

    restored = services.revert_task(owner=kiwi, number=1, expected=after, to=before)

    assert (restored.due_date, restored.completed_at, restored.priority) == (date(2026, 12, 1), None, "high")
    assert services.task_snapshot(restored) == before


def test_a_deleted_task_comes_back_with_its_plan(kiwi: User) -> None:
    add(kiwi, "call", due_date=date(2026, 12, 7), due_time=time(18, 0), priority="medium", recurrence="FREQ=DAILY")
    before = services.lock_task_snapshot(owner=kiwi, number=1)
    services.delete_task(owner=kiwi, number=1)
    restored = services.revert_task(owner=kiwi, number=1, expected=None, to=before)
    assert services.task_snapshot(restored) == before


def test_undo_refuses_a_task_whose_date_changed_since(kiwi: User) -> None:
    add(kiwi, "call", due_date=date(2026, 12, 7))
    before = services.lock_task_snapshot(owner=kiwi, number=1)
    after = services.task_snapshot(services.update_task(owner=kiwi, number=1, priority="high"))
    services.update_task(owner=kiwi, number=1, due_date=date(2026, 12, 8))
    with pytest.raises(errors.UndoConflict):
        services.revert_task(owner=kiwi, number=1, expected=after, to=before)


def test_a_snapshot_from_before_planning_still_reverts(kiwi: User) -> None:
    """Journal entries recorded before the planning fields existed hold only the first fields."""
    add(kiwi, "old")
    old: services.TaskSnapshot = {
        "number": 1,
        "title": "old",
        "description": "",
        "completed": False,
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    task = services.revert_task(owner=kiwi, number=1, expected=old, to={**old, "title": "older"})
    assert (task.title, task.due_date, task.priority) == ("older", None, "none")


def test_the_selector_takes_the_same_filter_as_the_api(frozen: time_machine.Traveller, kiwi: User) -> None:
    three_days(kiwi)
    only = TaskFilter(due="overdue", ordering="-due")
    assert [task.title for task in tasks_for(owner=kiwi, only=only)] == ["dec 4", "dec 3"]
    page = services.list_task_page(owner=kiwi, due="today", priority=["none"], size=10)
    assert [task.title for task in page.tasks] == ["dec 5"] and page.counts.matching == 1


@pytest.mark.parametrize(
    "filters",
    [{"due": "someday"}, {"ordering": "title"}, {"ordering": "--due"}, {"priority": "urgent"}, {"due_before": "x"}],
)
def test_the_list_service_checks_its_filter(kiwi: User, filters: dict[str, Any]) -> None:
    with pytest.raises(errors.InvalidTaskInput):
        services.list_task_page(owner=kiwi, size=10, **filters)
