"""The record of a chat: conversations, their turns, each turn's messages and task changes.

The turn is the unit of record. A `Turn` row is written with the user's message when the turn
starts; each step the agent completes (the assistant message that asked for tools, each tool's
effect on the tasks, their `TaskChange` rows and result messages) is stored in one short
transaction; the final reply is the turn's last step. So no change to a task exists without
its record, and an interrupted turn is continued from what it stored.

Messages are ordered by (turn, step, index): turns in the order they started (their id),
steps in the order they completed. Concurrent turns of one conversation stay contiguous
without reserving anything.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

TITLE_MAX_LENGTH = 80


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=TITLE_MAX_LENGTH, blank=True)
    # How many messages are stored: a count kept up to date by every write of messages (the
    # order of messages comes from their turn and step, never from this number).
    message_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-updated_at",)
        indexes = [models.Index(fields=("owner", "-updated_at"), name="conversation_owner_recent")]

    def __str__(self) -> str:
        return self.title or str(self.id)


class Turn(models.Model):
    """One user message and everything the agent did about it, step by step.

    `running` until its final reply is stored (`completed`), or until a model failure ends it
    (`failed`) or a database failure cuts it short (`interrupted`, set when it can be: a
    killed process leaves `running`), or the person stops it (`stopped`: a stop is stored as
    `stop_requested_at`, which the running turn reads back with each step it stores). A
    running or interrupted turn can be continued from its stored steps (an `Idempotency-Key`
    retry does); the history loader reads any turn, however it ended, as a valid transcript.
    """

    class Status(models.TextChoices):
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"
        INTERRUPTED = "interrupted"
        STOPPED = "stopped"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    # The steps stored so far (the user's message is step 0) and what the model calls cost.
    steps = models.PositiveIntegerField(default=0)
    model_calls = models.PositiveIntegerField(default=0)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    total_tokens = models.PositiveIntegerField(default=0)
    # When the person asked to stop the turn: it ends after its current step (`stopped`).
    stop_requested_at = models.DateTimeField(null=True, blank=True)
    # The turn whose undo reverted this turn's task changes, once one has.
    undone_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="undid")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("id",)
        indexes = [models.Index(fields=("conversation", "id"), name="turn_conversation_order")]

    def __str__(self) -> str:
        return f"turn {self.pk} ({self.status})"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"
        TOOL = "tool"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="messages")
    # The step of the turn that stored it (0: the user's message; then one per model call: the
    # assistant message at index 0, its tool results at 1, 2 ...).
    step = models.PositiveIntegerField()
    index = models.PositiveIntegerField(default=0)
    role = models.CharField(max_length=16, choices=Role.choices)
    content = models.TextField(blank=True, default="")
    # For assistant messages: the tool calls, in OpenAI's format.
    tool_calls = models.JSONField(null=True, blank=True)
    # For tool messages: which call this answers, and the tool's name.
    # Unbounded text: both come from the provider, which sets no length limit.
    tool_call_id = models.TextField(blank=True, default="")
    name = models.TextField(blank=True, default="")
    # For assistant messages: structured data the model keeps with its message for its next
    # turn (the offline agent's; never sent to a provider).
    state = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("conversation", "turn_id", "step", "index")
        constraints = [
            models.UniqueConstraint(fields=("turn", "step", "index"), name="message_unique_place"),
        ]
        indexes = [models.Index(fields=("conversation", "turn", "step", "index"), name="message_conversation_order")]

    def __str__(self) -> str:
        return f"{self.turn_id}.{self.step}.{self.index} {self.role}: {self.content[:40]}"


class TaskChange(models.Model):
    """One change a turn made to one of the owner's tasks: what it was before and after.

    `before` is None for a task the change created (or restored), `after` None for one it
    deleted. Snapshots are `todos.services.task_snapshot`s. A change made by an undo names the
    change it `reverts`.
    """

    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="task_changes")
    step = models.PositiveIntegerField()
    number = models.PositiveIntegerField(help_text="The task's number.")
    action = models.CharField(max_length=16)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reverts = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("turn_id", "id")

    def __str__(self) -> str:
        return f"{self.action} #{self.number} (turn {self.turn_id})"


class IdempotentRequest(models.Model):
    """A chat request made with an `Idempotency-Key` header, and its stored response.

    The row is created before the turn runs (unique per user and key), so a retry that
    arrives while the first is still running finds it and never runs the turn twice. The
    row is the running request's lease on the key: renewed in the transaction of every step of
    the turn (which fails if the lease was lost), and taken over by a retry once it has gone
    unrenewed for longer than a step can take. `turn` is the turn the key started: a retry that
    takes the key over continues it from its stored steps.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    turn = models.ForeignKey(Turn, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    lease_renewed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("owner", "key"), name="idempotent_request_unique_key")]

    def __str__(self) -> str:
        return self.key
