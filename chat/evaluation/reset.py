"""Scoring message by message: after a step that missed, the user's tasks are set to what the
step expected, so one miss does not fail every later step that builds on it (a missed add
shifts every later task number). The conversation itself is left as the agent answered it."""

from datetime import date, time

from django.db import transaction

from accounts.models import User
from chat.evaluation.scenarios import Step, TaskExpectation
from todos.models import TaskCounter, Todo


@transaction.atomic
def reset_to_expected(*, owner: User, step: Step) -> None:
    """Make the owner's tasks match `step.state`: a task expected gone is deleted; a task
    expected to exist is created with its number if missing, and given the expected title,
    note and completion where it differs (an expected title or note is a substring, so the
    stored one is kept when it already holds it)."""
    for number, expected in sorted(step.state.items()):
        task = Todo.objects.filter(owner=owner, number=number).first()
        if expected is None:
            if task is not None:
                task.delete()
            continue
        if task is None:
            task = Todo(owner=owner, number=number, title=expected.title or f"Task {number}")
            counter, _ = TaskCounter.objects.get_or_create(owner=owner)
            if counter.last_number < number:
                counter.last_number = number
                counter.save(update_fields=["last_number"])
        if expected.title is not None and expected.title.lower() not in task.title.lower():
            task.title = expected.title
        if expected.description is not None and expected.description.lower() not in task.description.lower():
            task.description = expected.description
        if expected.completed is not None:
            task.completed = expected.completed
        _reset_planning(task=task, expected=expected)
        task.save()


def _reset_planning(*, task: Todo, expected: TaskExpectation) -> None:
    """The expected planning fields; a task expected to repeat that does not is given a weekly
    rule (the expectation says only that it repeats)."""
    if isinstance(expected.due_date, date | None):
        task.due_date = expected.due_date
    if isinstance(expected.due_time, time | None):
        task.due_time = expected.due_time
    if expected.priority is not None:
        task.priority = expected.priority
    if expected.repeats is not None and expected.repeats != bool(task.recurrence):
        task.recurrence = "FREQ=WEEKLY" if expected.repeats else ""
