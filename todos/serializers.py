from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from todos.due import DUE_STRING_MAX_LENGTH
from todos.models import (
    DESCRIPTION_MAX_LENGTH,
    DUE_WINDOWS,
    PRIORITIES,
    QUERY_MAX_LENGTH,
    QUERY_MAX_WORDS,
    TASK_ORDERINGS,
    TASK_STATUSES,
    TITLE_MAX_LENGTH,
    Todo,
)
from todos.recurrence import RECURRENCE_MAX_LENGTH
from todos.selectors import is_overdue

# What the schema says of text fields: no NUL (DRF refuses one, the pattern says so).
NO_NUL = r"^[^\x00]*$"
PRIORITY_SCHEMA = {"type": "string", "enum": list(PRIORITIES)}


class StrictCharField(serializers.CharField):
    """A CharField that takes strings only: DRF's turns a number into its digits (0 -> "0")."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictRegexField(serializers.RegexField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(PRIORITY_SCHEMA)
class PriorityField(StrictCharField):
    """The service checks the value (400 `invalid_priority`); the schema lists the values."""


class NonEmptyQueryMixin(serializers.Field):
    """A query parameter given empty (`?status=`) is a 400, not the default: DRF treats an
    empty value of an optional field in a query string as left out."""

    def get_value(self, dictionary: Any) -> Any:
        if self.field_name in dictionary and dictionary[self.field_name] == "":
            return ""
        return super().get_value(dictionary)


class QueryChoiceField(NonEmptyQueryMixin, serializers.ChoiceField):
    pass


class QueryDateField(NonEmptyQueryMixin, serializers.DateField):
    pass


class QueryCharField(NonEmptyQueryMixin, serializers.CharField):
    pass


class TaskSerializer(serializers.ModelSerializer):
    """A task without its plan: what the chat tools show today. `id` is the owner's own task
    number."""

    id = serializers.IntegerField(source="number", read_only=True)

    class Meta:
        model = Todo
        fields: tuple[str, ...] = ("id", "title", "description", "completed", "created_at", "updated_at")
        read_only_fields: tuple[str, ...] = fields


class PlannedTaskSerializer(TaskSerializer):
    """A task as REST clients see it: with its due date and time (the owner's local ones,
    `User.time_zone`), priority, repeat rule, whether it is overdue, and when it was completed."""

    due_date = serializers.DateField(read_only=True, allow_null=True, help_text="The owner's local date, or null.")
    due_time = serializers.TimeField(
        read_only=True, allow_null=True, format="%H:%M", help_text="The owner's local time (HH:MM), or null."
    )
    priority = serializers.ChoiceField(choices=PRIORITIES, read_only=True)
    recurrence = serializers.SerializerMethodField(help_text="An RFC 5545 RRULE body: the task repeats; or null.")
    overdue = serializers.SerializerMethodField(
        help_text="Open, and its due moment has passed in the owner's zone (a date alone: from the next day on)."
    )
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="When last completed.")

    class Meta(TaskSerializer.Meta):
        fields = (
            "id",
            "title",
            "description",
            "completed",
            "due_date",
            "due_time",
            "priority",
            "recurrence",
            "overdue",
            "completed_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_recurrence(self, task: Todo) -> str | None:
        return task.recurrence or None

    def get_overdue(self, task: Todo) -> bool:
        return is_overdue(task)


class TaskCreateSerializer(serializers.Serializer):
    """The service checks the values (each with its own 400 code); this, their types."""

    title = StrictRegexField(NO_NUL, max_length=TITLE_MAX_LENGTH)
    description = StrictRegexField(NO_NUL, max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True)
    due_date = serializers.DateField(required=False, allow_null=True, help_text="YYYY-MM-DD, the owner's local date.")
    due_time = serializers.TimeField(
        required=False,
        allow_null=True,
        format="%H:%M",
        input_formats=["%H:%M", "%H:%M:%S"],
        help_text="HH:MM, the owner's local time; only with a due date.",
    )
    priority = PriorityField(required=False, help_text="none (the default), low, medium or high.")
    recurrence = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=RECURRENCE_MAX_LENGTH,
        help_text="An RFC 5545 RRULE body such as FREQ=WEEKLY;BYDAY=MO; only with a due date. Null: no repeat.",
    )
    due_string = StrictCharField(
        required=False,
        write_only=True,
        max_length=DUE_STRING_MAX_LENGTH,
        help_text="Plain words read in the owner's zone into due_date, due_time and recurrence: 'next friday at 5pm', "
        "'in 3 days', 'every monday at 9', 'end of the month'. Not together with those fields.",
    )


class TaskInputSerializer(TaskCreateSerializer):
    """PUT and PATCH. PUT needs a title; as in DRF, fields left out keep their values. A
    due_date set to null clears the time and the recurrence too."""

    completed = serializers.BooleanField(required=False)


class TaskListQuerySerializer(serializers.Serializer):
    # The service validates the values; the choice fields stay for the OpenAPI enum and DRF's
    # usual 400 field error, with their choices from the same constants.
    status = QueryChoiceField(choices=TASK_STATUSES, default="all")
    query = serializers.CharField(
        max_length=QUERY_MAX_LENGTH,
        required=False,
        default="",
        allow_blank=True,
        help_text=f"Words a task's title or description must each hold (any case); at most {QUERY_MAX_WORDS}.",
    )
    due = QueryChoiceField(
        choices=DUE_WINDOWS,
        required=False,
        help_text="Tasks due in this window of the owner's zone; this_week is today to Sunday, next_7_days today "
        "and the 6 days after it; overdue only open tasks.",
    )
    due_before = QueryDateField(required=False, help_text="Tasks due before this date.")
    due_after = QueryDateField(required=False, help_text="Tasks due after this date.")
    priority = QueryCharField(
        required=False,
        help_text="One priority (none, low, medium, high) or several, comma separated.",
    )
    ordering = QueryChoiceField(
        choices=[*TASK_ORDERINGS, *(f"-{name}" for name in TASK_ORDERINGS)],
        default="number",
        help_text="The order; '-' first for descending. due and completed_at put tasks without one last.",
    )
