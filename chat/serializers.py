from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from chat.agent.messages import ToolResult, result_json
from chat.errors import ModelError
from chat.models import Conversation, Message
from config.errors import DatabaseUnavailable
from config.schema import codes_of, error_serializer
from todos.serializers import PlannedTaskSerializer

MESSAGE_MAX_LENGTH = 2000


class ChatRequestSerializer(serializers.Serializer):
    message = serializers.CharField(
        max_length=MESSAGE_MAX_LENGTH, style={"base_template": "textarea.html"}, help_text="What you want to do."
    )
    conversation_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="Continue this conversation; omit to start a new one."
    )


class ChatFormSerializer(serializers.Serializer):
    """What `GET` on the chat endpoint says: how to use it, and where the caller left off."""

    detail = serializers.CharField()
    conversation_id = serializers.UUIDField(
        allow_null=True, help_text="The caller's most recently active conversation, or null when there is none."
    )


@extend_schema_field(
    {
        "type": "object",
        "description": "What the tool answered (what the model read): {success: true, task} (with next_due when "
        "completing a repeating task moved it on), a list page {success, tasks, offset, next_offset, remaining, "
        "matching, totals}, a batch {success, succeeded, failed, results: [one result per task]}, an undo "
        "{success, undone}, or a failure {success: false, error, code, task_id?}.",
        "properties": {"success": {"type": "boolean"}},
        "required": ["success"],
        "additionalProperties": True,
    }
)
class ToolResultField(serializers.DictField):
    """A `ToolResult`, as its JSON (what the model read)."""

    def to_representation(self, value: ToolResult) -> dict[str, object]:  # type: ignore[override]  # a result, not its JSON
        represented: dict[str, object] = super().to_representation(result_json(value))
        return represented


class ToolCallSerializer(serializers.Serializer):
    """A `chat.agent.messages.ToolRun`."""

    tool_name = serializers.CharField()
    arguments = serializers.DictField()
    result = ToolResultField()


class UsageSerializer(serializers.Serializer):
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()


class ChatResponseSerializer(serializers.Serializer):
    """A `chat.agent.messages.TurnResult` (its `as_json`, which an idempotency key stores)."""

    conversation_id = serializers.UUIDField()
    message = serializers.CharField(source="reply", help_text="The assistant's reply.")
    tool_calls = ToolCallSerializer(many=True, source="tool_runs")
    usage = UsageSerializer()


# A model provider's failure (502, 503, 504): detail, code and the turn's conversation.
ChatProviderErrorSerializer = error_serializer("ChatProviderError", codes_of(ModelError), with_conversation=True)
# A 503 of the chat endpoint: the model provider's, or the database's (`database_unavailable`
# before the turn started, `database_unavailable_may_have_run` after).
ChatUnavailableSerializer = error_serializer(
    "ChatUnavailable",
    tuple(sorted({*codes_of(ModelError), *codes_of(DatabaseUnavailable)})),
    with_conversation=True,
)


class MessageSerializer(serializers.ModelSerializer):
    position = serializers.IntegerField(
        read_only=True, help_text="The message's place in the conversation: 0, 1, 2 ..."
    )
    turn = serializers.IntegerField(source="turn_id", read_only=True, help_text="The turn that stored the message.")

    class Meta:
        model = Message
        fields = ("position", "turn", "step", "role", "content", "tool_calls", "tool_call_id", "name", "created_at")
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Conversation
        fields: tuple[str, ...] = ("id", "title", "message_count", "created_at", "updated_at")
        read_only_fields: tuple[str, ...] = fields


class ConversationDetailSerializer(ConversationSerializer):
    """A conversation with a link to its messages (`message_count` of them), which come a page
    at a time from their own endpoint: a conversation grows without bound, a response must not."""

    messages_url = serializers.SerializerMethodField(help_text="The conversation's messages, oldest first, paginated.")

    class Meta(ConversationSerializer.Meta):
        fields = (*ConversationSerializer.Meta.fields, "messages_url")
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_messages_url(self, conversation: Conversation) -> str:
        url = reverse(
            "conversation-messages",
            kwargs={"user_id": conversation.owner_id, "conversation_id": conversation.pk},
            request=self.context.get("request"),
        )
        return str(url)


class UndoneChangeSerializer(serializers.Serializer):
    action = serializers.CharField(help_text="The change undone: add, complete, reopen, update or delete.")
    task = PlannedTaskSerializer(help_text="The task after the undo (as it was, when undoing its creation deleted it).")


class UndoResultSerializer(serializers.Serializer):
    undone = UndoneChangeSerializer(many=True)
