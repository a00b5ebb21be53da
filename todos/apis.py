from uuid import UUID

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import OwnerApi, authenticated_user
from config.pagination import PageSizePagination
from todos import selectors, services
from todos.models import Todo
from todos.serializers import (
    PlannedTaskSerializer,
    TaskCreateSerializer,
    TaskInputSerializer,
    TaskListQuerySerializer,
)


class TaskListApi(OwnerApi, GenericAPIView):
    pagination_class = PageSizePagination

    def get_serializer_class(self) -> type[serializers.Serializer]:
        # The browsable API's form is the create form.
        return TaskCreateSerializer if self.request.method == "POST" else PlannedTaskSerializer

    def get_queryset(self) -> QuerySet[Todo]:
        query = TaskListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return services.list_tasks(owner=authenticated_user(self.request), **query.validated_data)

    @extend_schema(parameters=[TaskListQuerySerializer], responses=PlannedTaskSerializer(many=True))
    def get(self, request: Request, user_id: UUID) -> Response:
        """The caller's tasks, a page at a time, in number order unless `ordering` says otherwise;
        `status`, `query`, `due`, `due_before`, `due_after` and `priority` filter them (due
        dates in the caller's time zone)."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PlannedTaskSerializer(page, many=True).data)

    @extend_schema(request=TaskCreateSerializer, responses={201: PlannedTaskSerializer})
    def post(self, request: Request, user_id: UUID) -> Response:
        serializer = TaskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.add_task(owner=authenticated_user(request), **serializer.validated_data)
        return Response(PlannedTaskSerializer(task).data, status=status.HTTP_201_CREATED)


TASK_ID = OpenApiParameter("task_id", int, OpenApiParameter.PATH, description="The task's number.")


class TaskDetailApi(OwnerApi):
    @extend_schema(parameters=[TASK_ID], responses=PlannedTaskSerializer)
    def get(self, request: Request, user_id: UUID, task_id: int) -> Response:
        return Response(
            PlannedTaskSerializer(selectors.get_task(owner=authenticated_user(request), number=task_id)).data
        )

    @extend_schema(parameters=[TASK_ID], request=TaskInputSerializer, responses=PlannedTaskSerializer)
    def put(self, request: Request, user_id: UUID, task_id: int) -> Response:
        return self._update(request, task_id, partial=False)

    @extend_schema(parameters=[TASK_ID], request=TaskInputSerializer, responses=PlannedTaskSerializer)
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
        return Response(PlannedTaskSerializer(task).data)


class TaskToggleCompletionApi(OwnerApi):
    """`PATCH .../tasks/<id>/complete` toggles: the path is kept for clients of the original todo API."""

    @extend_schema(parameters=[TASK_ID], request=None, responses=PlannedTaskSerializer)
    def patch(self, request: Request, user_id: UUID, task_id: int) -> Response:
        """Completes an open task (a repeating one moves to its next due date and stays open: the
        response shows that date) and reopens a completed one."""
        task = services.toggle_task_completion(owner=authenticated_user(request), number=task_id)
        return Response(PlannedTaskSerializer(task).data)
