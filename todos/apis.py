from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsPathUser, authenticated_user
from todos import services
from todos.serializers import TaskCreateSerializer, TaskInputSerializer, TaskListQuerySerializer, TaskSerializer


class OwnerApi(APIView):
    """Base for every `/api/<user_id>/...` view: authenticated, and only the path's user."""

    permission_classes = [IsAuthenticated, IsPathUser]


class TaskListApi(OwnerApi):
    @extend_schema(parameters=[TaskListQuerySerializer], responses=TaskSerializer(many=True))
    def get(self, request: Request, user_id: UUID) -> Response:
        query = TaskListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tasks = services.list_tasks(owner=authenticated_user(request), status=query.validated_data["status"])
        return Response(TaskSerializer(tasks, many=True).data)

    @extend_schema(request=TaskCreateSerializer, responses={201: TaskSerializer})
    def post(self, request: Request, user_id: UUID) -> Response:
        serializer = TaskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.add_task(owner=authenticated_user(request), **serializer.validated_data)
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)


TASK_ID = OpenApiParameter("task_id", int, OpenApiParameter.PATH, description="The task's number.")


class TaskDetailApi(OwnerApi):
    @extend_schema(parameters=[TASK_ID], responses=TaskSerializer)
    def get(self, request: Request, user_id: UUID, task_id: int) -> Response:
        return Response(TaskSerializer(services.get_task(owner=authenticated_user(request), number=task_id)).data)

    @extend_schema(parameters=[TASK_ID], request=TaskInputSerializer, responses=TaskSerializer)
    def put(self, request: Request, user_id: UUID, task_id: int) -> Response:
        return self._update(request, task_id, partial=False)

    @extend_schema(parameters=[TASK_ID], request=TaskInputSerializer, responses=TaskSerializer)
    def patch(self, request: Request, user_id: UUID, task_id: int) -> Response:
        return self._update(request, task_id, partial=True)

    @extend_schema(parameters=[TASK_ID], responses={204: None})
    def delete(self, request: Request, user_id: UUID, task_id: int) -> Response:
        services.delete_task(owner=authenticated_user(request), number=task_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, task_id: int, *, partial: bool) -> Response:
        serializer = TaskInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        task = services.update_task(owner=authenticated_user(request), number=task_id, **serializer.validated_data)
        return Response(TaskSerializer(task).data)


class TaskToggleCompletionApi(OwnerApi):
    """`PATCH .../tasks/<id>/complete` toggles: the path is kept for clients of the original todo API."""

    @extend_schema(parameters=[TASK_ID], request=None, responses=TaskSerializer)
    def patch(self, request: Request, user_id: UUID, task_id: int) -> Response:
        task = services.toggle_task_completion(owner=authenticated_user(request), number=task_id)
        return Response(TaskSerializer(task).data)
