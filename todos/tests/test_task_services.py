from collections.abc import Callable

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from todos import errors, selectors, services
from todos.models import TASK_STATUSES, TaskStatus, Todo
from todos.tests.factories import TodoFactory

pytestmark = pytest.mark.django_db


def test_add_task_strips_and_numbers(user: User) -> None:
    task = services.add_task(owner=user, title="  Pay bills  ", description=" monthly ")
    assert (task.number, task.title, task.description) == (1, "Pay bills", "monthly")
    assert services.add_task(owner=user, title="next").number == 2


@pytest.mark.parametrize("title", ["", "   ", None, 42, "x" * 201, "nul\x00byte"])
def test_add_task_rejects_bad_titles(user: User, title: str | int | None) -> None:
    with pytest.raises(errors.InvalidTaskInput) as error:
        services.add_task(owner=user, title=title)  # type: ignore[arg-type]  # not always a str, on purpose
    assert "title" in error.value.detail
    assert not Todo.objects.exists()


@pytest.mark.parametrize("description", ["y" * 1001, "nul\x00byte", 7])
def test_add_task_rejects_bad_descriptions(user: User, description: str | int) -> None:
    with pytest.raises(errors.InvalidTaskInput):
        services.add_task(owner=user, title="ok", description=description)  # type: ignore[arg-type]  # on purpose
    assert not Todo.objects.exists()


@pytest.mark.parametrize("status", TASK_STATUSES)
def test_list_tasks_takes_every_status(user: User, status: TaskStatus) -> None:
    TodoFactory.create(owner=user, title="open")
    TodoFactory.create(owner=user, title="done", completed=True)
    expected = {"all": ["open", "done"], "pending": ["open"], "completed": ["done"]}[status]
    assert [task.title for task in services.list_tasks(owner=user, status=status)] == expected


def test_list_tasks_rejects_unknown_status(user: User) -> None:
    with pytest.raises(errors.InvalidTaskInput):
        services.list_tasks(owner=user, status="later")  # type: ignore[arg-type]  # not a status, on purpose


def test_complete_task_is_idempotent(user: User) -> None:
    TodoFactory.create(owner=user)
    assert services.complete_task(owner=user, number=1).completed is True
    assert services.complete_task(owner=user, number=1).completed is True
    assert Todo.objects.get(owner=user).completed is True


def test_update_task_leaves_none_fields(user: User) -> None:
    TodoFactory.create(owner=user, title="a", description="b")
    services.update_task(owner=user, number=1, description="c")
    task = Todo.objects.get(owner=user)
    assert (task.title, task.description) == ("a", "c")


def test_delete_task_returns_what_was_removed(user: User) -> None:
    TodoFactory.create(owner=user, title="gone")
    removed = services.delete_task(owner=user, number=1)
    assert (removed.number, removed.title) == (1, "gone")
    assert not Todo.objects.exists()


@pytest.mark.parametrize(
    "operation",
    [selectors.get_task, services.complete_task, services.delete_task, services.toggle_task_completion],
)
def test_operations_never_touch_another_owner(operation: Callable[..., object]) -> None:
    owner, stranger = UserFactory.create(), UserFactory.create()
    TodoFactory.create(owner=owner, title="private")
    with pytest.raises(errors.TaskNotFound):
        operation(owner=stranger, number=1)
    task = Todo.objects.get()
    assert (task.owner, task.title, task.completed) == (owner, "private", False)


@pytest.mark.parametrize("number", [0, -1, 2**31, 10**30, True, "1"])
def test_impossible_numbers_are_not_found(user: User, number: int | str) -> None:
    TodoFactory.create(owner=user)
    with pytest.raises(errors.TaskNotFound):
        selectors.get_task(owner=user, number=number)  # type: ignore[arg-type]  # not always an int, on purpose
