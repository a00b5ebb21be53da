import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

TITLE_MAX_LENGTH = 80


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=TITLE_MAX_LENGTH, blank=True)
    # How many messages are stored; the next message's position. Kept on the row so a turn
    # can allocate a contiguous block of positions while holding the row lock.
    message_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-updated_at",)
        indexes = [models.Index(fields=("owner", "-updated_at"), name="conversation_owner_recent")]

    def __str__(self) -> str:
        return self.title or str(self.id)


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"
        TOOL = "tool"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    # The message's place in its conversation, 0, 1, 2 ...: the order, never timestamps.
    position = models.PositiveIntegerField()
    role = models.CharField(max_length=16, choices=Role.choices)
    content = models.TextField(blank=True, default="")
    # For assistant messages: the tool calls, in OpenAI's format.
    tool_calls = models.JSONField(null=True, blank=True)
    # For tool messages: which call this answers, and the tool's name.
    # Unbounded text: both come from the provider, which sets no length limit.
    tool_call_id = models.TextField(blank=True, default="")
    name = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("conversation", "position")
        constraints = [
            models.UniqueConstraint(fields=("conversation", "position"), name="message_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position} {self.role}: {self.content[:40]}"


class IdempotentRequest(models.Model):
    """A chat request made with an `Idempotency-Key` header, and its stored response.

    The row is created before the turn runs (unique per user and key), so a retry that
    arrives while the first is still running finds it and never runs the turn twice. The
    row is the running request's lease on the key: renewed after every step of the turn,
    and taken over by a retry once it has gone unrenewed for longer than a step can take.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    lease_renewed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("owner", "key"), name="idempotent_request_unique_key")]

    def __str__(self) -> str:
        return self.key
