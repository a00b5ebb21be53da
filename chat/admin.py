"""The chat admin: conversations (each one's page is its transcript, built in `chat.transcript`),
their raw messages, and turn records. All of it is read-only."""

import json
from datetime import datetime
from typing import Any

from django.contrib import admin
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, TextField, When
from django.db.models.functions import Coalesce, Left
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from chat.conversations import conversation_title
from chat.models import TITLE_MAX_LENGTH, Conversation, Message, TaskChange, Turn
from chat.selectors import MESSAGE_ORDER, stored_calls
from chat.transcript import transcript


def pretty_tool_calls(message: Message) -> str:
    if not message.tool_calls:
        return "-"
    calls = [
        {
            "id": call.id,
            "name": call.name,
            "arguments": call.arguments_json if call.arguments is None else call.arguments,
        }
        for call in stored_calls(message.tool_calls)
    ]
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


# A first message that says nothing about what the conversation is for. One pattern for
# PostgreSQL (`~*`, where `\s` works inside brackets too) and SQLite (Python's `re`).
SMALL_TALK = (
    r"^\s*((hi|hello|hey|hiya|howdy|yo)( there| again| you)?|good (morning|afternoon|evening|day)"
    r"|thanks?( you| a lot)?|thank you( very much)?|ok|okay|cool|great|nice|bye|how are you( doing)?)[\s!.?,]*$"
)


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Conversations listed by what they are about; each one's page is its transcript, paged by turn."""

    list_display = ("topic", "owner", "turn_count", "last_activity", "created_at")
    list_select_related = ("owner",)
    list_filter = (
        ("owner", admin.RelatedOnlyFieldListFilter),
        ("updated_at", admin.DateFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("title", "owner__username", "messages__content")
    # Three short rows, so that the transcript starts above the fold: the title is the page's
    # heading already, and the message count is on the link to the raw messages.
    fields = ("owner", "id", ("created_at", "updated_at"))
    readonly_fields = ("owner", "id", "created_at", "updated_at")
    date_hierarchy = "updated_at"
    change_form_template = "admin/chat/conversation/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        # The title says what the conversation is about, unless it is small talk ("hi there"):
        # then the first user message that is not, found by the database for the whole page.
        first_topic = (
            Message.objects.filter(conversation=OuterRef("pk"), role=Message.Role.USER)
            .exclude(content__iregex=SMALL_TALK)
            .order_by(*MESSAGE_ORDER)
            .annotate(head=Left("content", TITLE_MAX_LENGTH * 2))
            .values("head")[:1]
        )
        conversations: QuerySet[Conversation] = super().get_queryset(request)
        return conversations.select_related("owner").annotate(
            # Distinct: a search on message text joins messages, which would multiply turns.
            turn_count=Count("turns", distinct=True),
            topic_text=Case(
                When(
                    Q(title="") | Q(title__iregex=SMALL_TALK),
                    then=Coalesce(Subquery(first_topic), F("title"), output_field=TextField()),
                ),
                default=F("title"),
                output_field=TextField(),
            ),
        )

    @admin.display(description="title", ordering="title")
    def topic(self, conversation: Conversation) -> str:
        topic = getattr(conversation, "topic_text", None) or conversation.title
        return conversation_title(topic) or str(conversation.pk)

    @admin.display(description="turns", ordering="turn_count")
    def turn_count(self, conversation: Conversation) -> int:
        return int(getattr(conversation, "turn_count", 0))

    @admin.display(description="last activity", ordering="updated_at")
    def last_activity(self, conversation: Conversation) -> datetime:
        return conversation.updated_at

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Conversation | None = None,
    ) -> HttpResponse:
        if obj is not None:
            context["transcript"] = transcript(obj, request.GET.get("turns_page"))
        return super().render_change_form(request, context, add, change, form_url, obj)

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
    fields = ("step", "number", "action", "what_moved", "before", "after", "reverts", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="what moved")
    def what_moved(self, change: TaskChange) -> str:
        return moved_fields(change.before, change.after)


def moved_fields(before: object, after: object) -> str:
    """The fields a change moved, each `name: old → new` (a task made or removed says so)."""
    if not isinstance(before, dict):
        return "created"
    if not isinstance(after, dict):
        return "deleted"
    moved = [
        f"{name}: {before.get(name)} → {after.get(name)}"
        for name in after
        if name not in ("updated_at", "created_at") and before.get(name) != after.get(name)
    ]
    return "; ".join(moved) or "-"


class TurnMessageInline(ToolCallsDisplay, ReadOnlyMixin, admin.TabularInline):
    """A turn's messages, step by step."""

    model = Message
    fields = ("step", "index", "role", "content", "tool_calls_json", "tool_call_id", "name", "created_at")
    readonly_fields = fields
    ordering = ("step", "index", "id")
    extra = 0
    can_delete = False
    show_change_link = True


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
