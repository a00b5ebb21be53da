from django.urls import path

from todos.apis import TaskDetailApi, TaskListApi, TaskToggleCompletionApi

urlpatterns = [
    path("<uuid:user_id>/tasks", TaskListApi.as_view(), name="task-list"),
    path("<uuid:user_id>/tasks/<int:task_id>", TaskDetailApi.as_view(), name="task-detail"),
    path("<uuid:user_id>/tasks/<int:task_id>/complete", TaskToggleCompletionApi.as_view(), name="task-complete"),
]
