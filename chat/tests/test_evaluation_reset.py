"""Scoring message by message: after a missed step the tasks are what the step expected."""

import pytest

from accounts.models import User
from chat.evaluation.reset import reset_to_expected
from chat.evaluation.scenarios import Step, TaskExpectation
from todos import services
from todos.models import Todo

pytestmark = pytest.mark.django_db


def test_a_missed_add_is_put_in_place_with_its_number_and_later_adds_follow_it(user: User) -> None:
    services.add_task(owner=user, title="Buy milk")
    step = Step(say="add bread and eggs", state={2: TaskExpectation(title="bread"), 3: TaskExpectation(title="eggs")})

    reset_to_expected(owner=user, step=step)

    assert [(task.number, task.title) for task in Todo.objects.filter(owner=user)] == [
        (1, "Buy milk"),
        (2, "bread"),
        (3, "eggs"),
    ]
    assert services.add_task(owner=user, title="Next").number == 4


def test_titles_that_hold_the_expected_words_are_kept_and_flags_and_deletions_follow(user: User) -> None:
    services.add_task(owner=user, title="Buy oat milk")
    services.add_task(owner=user, title="Call mum")
    step = Step(
        say="done with milk, drop the call",
        state={1: TaskExpectation(title="milk", completed=True, description="two litres"), 2: None},
    )

    reset_to_expected(owner=user, step=step)

    task = Todo.objects.get(owner=user, number=1)
    assert (task.title, task.completed, task.description) == ("Buy oat milk", True, "two litres")
    assert not Todo.objects.filter(owner=user, number=2).exists()
