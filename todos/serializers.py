from rest_framework import serializers

from todos.models import (
    DESCRIPTION_MAX_LENGTH,
    QUERY_MAX_LENGTH,
    QUERY_MAX_WORDS,
    TASK_STATUSES,
    TITLE_MAX_LENGTH,
    Todo,
)


class TaskSerializer(serializers.ModelSerializer):
    """A task as clients see it: `id` is the owner's own task number."""

    id = serializers.IntegerField(source="number", read_only=True)

    class Meta:
        model = Todo
        fields = ("id", "title", "description", "completed", "created_at", "updated_at")
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True)


class TaskInputSerializer(TaskCreateSerializer):
    """PUT and PATCH. PUT needs a title; as in DRF, fields left out keep their values."""

    completed = serializers.BooleanField(required=False)


class TaskListQuerySerializer(serializers.Serializer):
    # The service validates the status; the ChoiceField stays for the OpenAPI enum and DRF's
    # usual 400 field error, with its choices from the same constant.
    status = serializers.ChoiceField(choices=TASK_STATUSES, default="all")
    query = serializers.CharField(
        max_length=QUERY_MAX_LENGTH,
        required=False,
        default="",
        allow_blank=True,
        help_text=f"Words a task's title or description must each hold (any case); at most {QUERY_MAX_WORDS}.",
    )
