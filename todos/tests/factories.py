import factory

from accounts.models import User
from accounts.tests.factories import UserFactory
from todos import services
from todos.models import TaskCounter, Todo


class TodoFactory(factory.django.DjangoModelFactory[Todo]):
    """Creates tasks through `add_task`, so they get real per-user numbers."""

    class Meta:
        model = Todo

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Task {n}")
    description = ""

    @classmethod
    def _create(
        cls, model_class: type[Todo], *, owner: User, title: str, description: str, completed: bool = False
    ) -> Todo:
        task = services.add_task(owner=owner, title=title, description=description)
        if completed:
            task = services.complete_task(owner=owner, number=task.number)
        return task


def bulk_tasks(*, owner: User, titles: list[str], completed: frozenset[int] = frozenset()) -> None:
    """Tasks 1, 2, 3 ... with `titles` (those numbered in `completed` done) for a user who has
    none yet, in a few queries: a user with thousands of tasks. Numbering goes on after them."""
    Todo.objects.bulk_create(
        Todo(owner=owner, number=number, title=title, completed=number in completed)
        for number, title in enumerate(titles, start=1)
    )
    TaskCounter.objects.update_or_create(owner=owner, defaults={"last_number": len(titles)})
