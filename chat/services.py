"""One chat turn: load the history, run the agent, persist the turn.

The turn's messages are collected in memory while the agent runs (no transaction is open
during model calls) and written in one short transaction at the end, holding the
conversation's row lock to take the next block of positions: every turn's messages are
stored contiguously and in order even when turns of one conversation run at once. On a
provider failure, what completed (the user's message, tool calls that ran and their
results) is stored the same way before the error goes up, so the next turn can continue.
"""

import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from chat.agent.clients import build_model
from chat.agent.model import ChatMessage, ModelClient, ModelError
from chat.agent.prompt import system_prompt
from chat.agent.runner import MAX_MODEL_CALLS, AgentFailed, AgentTurn, run_agent
from chat.agent.tools import Toolbox
from chat.models import TITLE_MAX_LENGTH, Conversation, IdempotentRequest, Message
from chat.selectors import ConversationNotFound, get_conversation, history_for
from config.errors import DomainError

logger = logging.getLogger("chat.turn")


@dataclass(frozen=True)
class ChatTurn:
    conversation_id: uuid.UUID
    reply: str
    tool_calls: list[dict[str, Any]]
    usage: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": str(self.conversation_id),
            "message": self.reply,
            "tool_calls": self.tool_calls,
            "usage": self.usage,
        }


def conversation_title(message: str) -> str:
    """The first message, cut at a word boundary to fit a list of conversations."""
    text = " ".join(message.split())
    if len(text) <= TITLE_MAX_LENGTH:
        return text
    head = text[:TITLE_MAX_LENGTH]
    cut = head.rsplit(" ", 1)[0] if " " in head else head[:-1]
    return cut.rstrip(" ,.;:")[: TITLE_MAX_LENGTH - 1] + "…"


def delete_conversation(*, owner: User, conversation_id: uuid.UUID) -> None:
    deleted, _ = Conversation.objects.filter(pk=conversation_id, owner=owner).delete()
    if not deleted:
        raise ConversationNotFound()


def save_turn(*, conversation_id: uuid.UUID, messages: list[ChatMessage]) -> None:
    """Append a turn's messages to the conversation, contiguously, in one transaction."""
    if not messages:
        return
    with transaction.atomic():
        try:
            conversation = Conversation.objects.select_for_update().only("message_count").get(pk=conversation_id)
        except Conversation.DoesNotExist:
            raise ConversationNotFound() from None
        start = conversation.message_count
        Message.objects.bulk_create(
            Message(
                conversation_id=conversation_id,
                position=start + offset,
                role=message["role"],
                content=message.get("content") or "",
                tool_calls=message.get("tool_calls") or None,
                tool_call_id=message.get("tool_call_id", ""),
                name=message.get("name", ""),
            )
            for offset, message in enumerate(map(_storable, messages))
        )
        Conversation.objects.filter(pk=conversation_id).update(
            message_count=start + len(messages), updated_at=timezone.now()
        )


def _storable(value: Any) -> Any:
    """`value` without NUL characters, which PostgreSQL cannot store in text or JSON; a model
    may send them in its reply or its tool arguments."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    return value


def run_chat_turn(
    *, owner: User, message: str, conversation_id: uuid.UUID | None = None, model: ModelClient | None = None
) -> ChatTurn:
    """Run one turn of a conversation (a new one when `conversation_id` is None)."""
    started = time.perf_counter()
    if conversation_id is None:
        conversation = Conversation.objects.create(owner=owner, title=conversation_title(message))
    else:
        conversation = get_conversation(owner=owner, conversation_id=conversation_id)
    model = model or build_model()
    history = history_for(conversation=conversation, limit=settings.CHAT_HISTORY_MESSAGES)
    try:
        turn = run_agent(
            model=model,
            toolbox=Toolbox(owner),
            system_prompt=system_prompt(user_name=owner.display_name, today=timezone.localdate()),
            history=history,
            user_message=message,
        )
    except AgentFailed as failure:
        save_turn(conversation_id=conversation.pk, messages=failure.turn.messages)
        _log_turn(conversation, model, failure.turn, started, outcome=failure.error.code, message=message)
        raise _with_conversation(failure.error, conversation.pk) from failure
    save_turn(conversation_id=conversation.pk, messages=turn.messages)
    _log_turn(conversation, model, turn, started, outcome="ok", message=message)
    return ChatTurn(
        conversation_id=conversation.pk,
        reply=turn.reply,
        tool_calls=[run.as_dict() for run in turn.tool_runs],
        usage=turn.usage.as_dict(),
    )


class RequestInProgress(DomainError):
    status_code = 409
    code = "request_in_progress"
    default_detail = "A request with this Idempotency-Key is still in progress. Retry later to get its response."


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used for a different request."


def run_chat_turn_once(
    *, owner: User, idempotency_key: str, message: str, conversation_id: uuid.UUID | None = None
) -> tuple[int, dict[str, Any]]:
    """Run a turn at most once per (user, key); a repeat gets the first one's stored response.

    The key is claimed before the turn runs, so a repeat that arrives while the first is
    still running gets `RequestInProgress` (409) and never a second run of the tools.
    """
    fingerprint = request_fingerprint(message=message, conversation_id=conversation_id)
    claim = _claim_key(owner=owner, key=idempotency_key, fingerprint=fingerprint)
    if claim.response_status is not None:
        return claim.response_status, claim.response_body
    try:
        turn = run_chat_turn(owner=owner, message=message, conversation_id=conversation_id)
    except DomainError as error:
        body = error.detail if isinstance(error.detail, dict) else {"detail": error.detail}
        _store_response(claim, error.status_code, body)
        raise
    except BaseException:
        # No defined outcome to replay: release the key so the request can be retried.
        claim.delete()
        raise
    return _store_response(claim, 200, turn.as_dict())


def request_fingerprint(*, message: str, conversation_id: uuid.UUID | None) -> str:
    """What makes two requests with one key the same request."""
    return hashlib.sha256(
        json.dumps({"message": message, "conversation_id": str(conversation_id or "")}).encode()
    ).hexdigest()


def _claim_key(*, owner: User, key: str, fingerprint: str) -> IdempotentRequest:
    """Claim the key for this request, or return the earlier request's row if it has a response.

    A claim left without a response for longer than a turn can take (its process died) is
    taken over, so such a key does not answer 409 forever.
    """
    for _ in range(3):
        try:
            with transaction.atomic():
                return IdempotentRequest.objects.create(owner=owner, key=key, request_fingerprint=fingerprint)
        except IntegrityError:
            earlier = IdempotentRequest.objects.filter(owner=owner, key=key).first()
        if earlier is None:
            continue  # released by a failed first request in the meantime: claim it again
        if earlier.request_fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        if earlier.response_status is not None:
            return earlier
        abandoned_before = timezone.now() - _longest_turn()
        if earlier.created_at < abandoned_before and IdempotentRequest.objects.filter(
            pk=earlier.pk, response_status=None, created_at=earlier.created_at
        ).update(created_at=timezone.now()):
            return earlier
        raise RequestInProgress()
    raise RequestInProgress()


def _longest_turn() -> timedelta:
    """An upper bound on one turn: every model call timing out on every try, plus a margin."""
    attempts = MAX_MODEL_CALLS * (settings.OPENAI_MAX_RETRIES + 1)
    return timedelta(seconds=attempts * settings.OPENAI_TIMEOUT + 60)


def _store_response(claim: IdempotentRequest, status: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    IdempotentRequest.objects.filter(pk=claim.pk).update(response_status=status, response_body=body)
    return status, body


def _with_conversation(error: ModelError, conversation_id: uuid.UUID) -> ModelError:
    """The same error, with the conversation id in its body so the client can retry into it."""
    return type(error)({"detail": error.detail, "conversation_id": str(conversation_id)})


def _log_turn(
    conversation: Conversation, model: ModelClient, turn: AgentTurn, started: float, *, outcome: str, message: str
) -> None:
    record: dict[str, Any] = {
        "event": "chat_turn",
        "conversation_id": str(conversation.pk),
        "user_id": str(conversation.owner_id),
        "backend": model.backend,
        "model": model.model,
        "model_calls": turn.model_calls,
        "tools": [run.tool_name for run in turn.tool_runs],
        **turn.usage.as_dict(),
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        "outcome": outcome,
    }
    if settings.CHAT_LOG_CONTENT:
        record["message"] = message
        record["reply"] = turn.reply
    logger.info(json.dumps(record))
