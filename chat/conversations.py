"""Writes on a conversation as a whole: starting one (with its title), renaming and deleting
one, stopping its running turn."""

import uuid

from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from chat.errors import ConversationNotFound, NothingRunning
from chat.models import TITLE_MAX_LENGTH, Conversation, Turn


def conversation_title(message: str) -> str:
    """The first message, cut at a word boundary to fit a list of conversations."""
    text = " ".join(message.split())
    if len(text) <= TITLE_MAX_LENGTH:
        return text
    head = text[:TITLE_MAX_LENGTH]
    cut = head.rsplit(" ", 1)[0] if " " in head else head[:-1]
    return cut.rstrip(" ,.;:")[: TITLE_MAX_LENGTH - 1] + "…"


def start_conversation(*, owner: User, first_message: str) -> Conversation:
    return Conversation.objects.create(owner=owner, title=conversation_title(first_message))


def delete_conversation(*, owner: User, conversation_id: uuid.UUID) -> None:
    deleted, _ = Conversation.objects.filter(pk=conversation_id, owner=owner).delete()
    if not deleted:
        raise ConversationNotFound()


def rename_conversation(*, owner: User, conversation_id: uuid.UUID, title: str) -> Conversation:
    """The person's own title, spaces folded and cut to fit like a generated one."""
    conversation = Conversation.objects.filter(pk=conversation_id, owner=owner).first()
    if conversation is None:
        raise ConversationNotFound()
    conversation.title = conversation_title(title)
    conversation.save(update_fields=["title", "updated_at"])
    return conversation


def stop_running_turn(*, owner: User, conversation_id: uuid.UUID) -> None:
    """Ask the conversation's running turn to stop: the stop is stored on the turn (so the
    instance that runs it sees it, whichever it is), which ends after its current step
    (`chat.agent.runner.run_agent`). Raises `ConversationNotFound`, or `NothingRunning` when
    no turn of the conversation is running."""
    running = Turn.objects.filter(
        conversation_id=conversation_id, conversation__owner=owner, status=Turn.Status.RUNNING
    )
    # A second stop keeps the time of the first.
    if running.update(stop_requested_at=Coalesce("stop_requested_at", timezone.now())):
        return
    if not Conversation.objects.filter(pk=conversation_id, owner=owner).exists():
        raise ConversationNotFound()
    raise NothingRunning()
