import factory

from accounts.tests.factories import UserFactory
from todos import services
from todos.models import Todo


class TodoFactory(factory.django.DjangoModelFactory[Todo]):
    """Creates tasks through `add_task`, so they get real per-user numbers."""

    class Meta:
        model = Todo

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Task {n}")
    description = ""

    @classmethod
    def _create(cls, model_class: type[Todo], *, owner, title: str, description: str, completed: bool = False) -> Todo:
        task = services.add_task(owner=owner, title=title, description=description)
        if completed:
            task = services.complete_task(owner=owner, number=task.number)
        return task
