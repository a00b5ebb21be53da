import json

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from chat.models import Conversation, Message, TaskChange, Turn


def pretty_tool_calls(message: Message) -> str:
    if not message.tool_calls:
        return "-"
    calls = []
    for call in message.tool_calls:
        function = call.get("function", {})
        try:
            arguments = json.loads(function.get("arguments") or "{}")
        except json.JSONDecodeError:
            arguments = function.get("arguments")
        calls.append({"id": call.get("id"), "name": function.get("name"), "arguments": arguments})
    return format_html("<pre>{}</pre>", json.dumps(calls, indent=2, ensure_ascii=False))


class ToolCallsDisplay:
    @admin.display(description="tool calls")
    def tool_calls_json(self, message: Message) -> str:
        return pretty_tool_calls(message)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class MessageInline(ToolCallsDisplay, ReadOnlyMixin, admin.TabularInline):
    """The transcript, turn by turn: each message with its turn and step."""

    model = Message
    fields = ("turn", "step", "role", "content", "tool_calls_json", "tool_call_id", "name", "created_at")
    readonly_fields = fields
    ordering = ("turn_id", "step", "index")
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("title", "owner", "message_count", "updated_at", "created_at")
    list_select_related = ("owner",)
    list_filter = (("updated_at", admin.DateFieldListFilter), ("created_at", admin.DateFieldListFilter))
    search_fields = ("title", "owner__username", "messages__content")
    readonly_fields = ("id", "owner", "title", "message_count", "created_at", "updated_at")
    date_hierarchy = "updated_at"
    inlines = [MessageInline]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Conversation], search_term: str
    ) -> tuple[QuerySet[Conversation], bool]:
        # Searching message text joins many rows per conversation; collapse them.
        results, _ = super().get_search_results(request, queryset, search_term)
        return results.distinct(), False


@admin.register(Message)
class MessageAdmin(ToolCallsDisplay, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("conversation", "turn", "step", "role", "short_content", "created_at")
    list_select_related = ("conversation",)
    list_filter = ("role",)
    search_fields = ("content",)
    fields = (
        "conversation",
        "turn",
        "step",
        "index",
        "role",
        "content",
        "tool_calls_json",
        "tool_call_id",
        "name",
        "created_at",
    )
    readonly_fields = fields
    ordering = ("conversation", "turn_id", "step", "index")

    @admin.display(description="content")
    def short_content(self, message: Message) -> str:
        return message.content[:80]


class TaskChangeInline(ReadOnlyMixin, admin.TabularInline):
    model = TaskChange
    fields = ("step", "number", "action", "before", "after", "reverts", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


class TurnMessageInline(MessageInline):
    fields = ("step", "index", "role", "content", "tool_calls_json", "tool_call_id", "name", "created_at")
    readonly_fields = fields
    ordering = ("step", "index", "id")


@admin.register(Turn)
class TurnAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A turn's record: its messages step by step and the task changes it made."""

    list_display = ("id", "conversation", "status", "steps", "model_calls", "undone_by", "created_at")
    list_select_related = ("conversation",)
    list_filter = ("status",)
    fields = (
        "conversation",
        "status",
        "steps",
        "model_calls",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "undone_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [TurnMessageInline, TaskChangeInline]
