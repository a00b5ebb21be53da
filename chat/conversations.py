"""Writes on a conversation as a whole: starting one (with its title), renaming and deleting one."""

import uuid

from accounts.models import User
from chat.errors import ConversationNotFound
from chat.models import TITLE_MAX_LENGTH, Conversation


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
