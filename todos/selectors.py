from django.db.models import QuerySet

from accounts.models import User
from todos.models import TaskStatus, Todo


def tasks_for(*, owner: User, status: TaskStatus = "all") -> QuerySet[Todo]:
    tasks = Todo.objects.filter(owner=owner).order_by("number")
    if status == "pending":
        return tasks.filter(completed=False)
    if status == "completed":
        return tasks.filter(completed=True)
    return tasks
