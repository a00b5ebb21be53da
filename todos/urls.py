from django.urls import path

from todos.apis import TaskCompleteApi, TaskDetailApi, TaskListApi

urlpatterns = [
    path("<uuid:user_id>/tasks", TaskListApi.as_view(), name="task-list"),
    path("<uuid:user_id>/tasks/<int:task_id>", TaskDetailApi.as_view(), name="task-detail"),
    path("<uuid:user_id>/tasks/<int:task_id>/complete", TaskCompleteApi.as_view(), name="task-complete"),
]
