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
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from chat.agent.clients import build_model
from chat.agent.model import ChatMessage, ModelClient, ModelError
from chat.agent.prompt import system_prompt
from chat.agent.runner import AgentFailed, AgentTurn, run_agent
from chat.agent.tools import Toolbox
from chat.models import TITLE_MAX_LENGTH, Conversation, IdempotentRequest, Message
from chat.selectors import ConversationNotFound, get_conversation, history_for
from config.errors import DomainError, InvalidInput

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
        start = _reserve_positions(conversation_id=conversation_id, count=len(messages))
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
            for offset, message in enumerate(messages)
        )


def _reserve_positions(*, conversation_id: uuid.UUID, count: int) -> int:
    """Take the next `count` positions of the conversation; returns the first.

    One UPDATE ... RETURNING (the same SQL on PostgreSQL and SQLite 3.35+) that also bumps
    the last activity. Its row lock is held until the caller's transaction commits, so
    concurrent turns of one conversation get consecutive, non-overlapping blocks.
    """
    table = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET message_count = message_count + %s, updated_at = %s "  # noqa: S608 - table name from the model
            "WHERE id = %s RETURNING message_count",
            [
                count,
                Conversation._meta.get_field("updated_at").get_db_prep_value(timezone.now(), connection),
                Conversation._meta.pk.get_db_prep_value(conversation_id, connection),
            ],
        )
        row = cursor.fetchone()
    if row is None:
        raise ConversationNotFound()
    return row[0] - count


def run_chat_turn(
    *,
    owner: User,
    message: str,
    conversation_id: uuid.UUID | None = None,
    on_step: Callable[[], None] | None = None,
) -> ChatTurn:
    """Run one turn of a conversation (a new one when `conversation_id` is None)."""
    started = time.perf_counter()
    if conversation_id is None:
        conversation = Conversation.objects.create(owner=owner, title=conversation_title(message))
    else:
        conversation = get_conversation(owner=owner, conversation_id=conversation_id)
    model = build_model()
    turn, outcome = AgentTurn(), "error"
    try:
        try:
            turn = run_agent(
                model=model,
                toolbox=Toolbox(owner),
                system_prompt=system_prompt(user_name=owner.display_name, today=timezone.localdate()),
                history=history_for(conversation=conversation, limit=settings.CHAT_HISTORY_MESSAGES),
                user_message=message,
                on_step=on_step,
            )
        except AgentFailed as failure:
            turn, outcome = failure.turn, failure.error.code
            save_turn(conversation_id=conversation.pk, messages=failure.turn.messages)
            raise _with_conversation(failure.error, conversation.pk) from failure
        save_turn(conversation_id=conversation.pk, messages=turn.messages)
        outcome = "ok"
    finally:
        _log_turn(conversation=conversation, model=model, turn=turn, started=started, outcome=outcome, message=message)
    return ChatTurn(
        conversation_id=conversation.pk,
        reply=turn.reply,
        tool_calls=[run.as_dict() for run in turn.tool_runs],
        usage=turn.usage.as_dict(),
    )


IDEMPOTENCY_KEY = re.compile(r"^[!-~]{1,255}$")
# The longest wait the openai SDK accepts from a Retry-After header before a retry.
MAX_RETRY_AFTER_SECONDS = 120


class RequestInProgress(DomainError):
    status_code = 409
    code = "request_in_progress"
    default_detail = "A request with this Idempotency-Key is still in progress. Retry later to get its response."


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used for a different request."


def respond_to_chat(
    *,
    owner: User,
    message: str,
    conversation_id: uuid.UUID | None = None,
    idempotency_key: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """Answer a chat request: the HTTP status and body.

    With an `idempotency_key` the turn runs at most once per (user, key): the key is claimed
    before the turn runs and its outcome stored, so a repeat gets the first response, and a
    repeat that arrives while the first is still running gets `RequestInProgress` (409).
    """
    if idempotency_key is None:
        return 200, run_chat_turn(owner=owner, message=message, conversation_id=conversation_id).as_dict()
    if not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise InvalidInput({"Idempotency-Key": ["Must be 1 to 255 visible ASCII characters."]})
    fingerprint = request_fingerprint(message=message, conversation_id=conversation_id)
    claim = _claim_key(owner=owner, key=idempotency_key, fingerprint=fingerprint)
    if claim.response_status is not None:
        return claim.response_status, claim.response_body
    try:
        turn = run_chat_turn(
            owner=owner, message=message, conversation_id=conversation_id, on_step=lambda: _renew_lease(claim)
        )
        return _store_response(claim=claim, status=200, body=turn.as_dict())
    except DomainError as error:
        _store_response(claim=claim, status=error.status_code, body=error.body())
        raise
    except Exception:
        # Tools may have run before the failure (or the response could not be stored): the
        # key must never run the turn again.
        _store_response(claim=claim, status=500, body={"detail": "A server error occurred."})
        raise


def request_fingerprint(*, message: str, conversation_id: uuid.UUID | None) -> str:
    """What makes two requests with one key the same request."""
    return hashlib.sha256(
        json.dumps({"message": message, "conversation_id": str(conversation_id or "")}).encode()
    ).hexdigest()


def _claim_key(*, owner: User, key: str, fingerprint: str) -> IdempotentRequest:
    """Claim the key for this request, or return the earlier request's row if it has a response.

    A claim left without a response for longer than any step of a turn can take (its process
    died) is taken over, so such a key does not answer 409 forever. The claim's `created_at`
    is its lease: the running turn renews it after every step, taking over renews it, and
    only the holder of the current lease stores a response.
    """
    for _ in range(3):
        try:
            with transaction.atomic():
                return IdempotentRequest.objects.create(owner=owner, key=key, request_fingerprint=fingerprint)
        except IntegrityError:
            earlier = IdempotentRequest.objects.filter(owner=owner, key=key).first()
        if earlier is None:
            continue  # deleted in the meantime (its user or the row): claim it again
        if earlier.request_fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        if earlier.response_status is not None:
            return earlier
        renewed = timezone.now()
        if earlier.created_at < renewed - _longest_step() and IdempotentRequest.objects.filter(
            pk=earlier.pk, response_status=None, created_at=earlier.created_at
        ).update(created_at=renewed):
            earlier.created_at = renewed
            return earlier
        raise RequestInProgress()
    raise RequestInProgress()


def _longest_step() -> timedelta:
    """An upper bound on one step of a turn (a model call and its tools): every try of the
    call timing out, after the longest Retry-After wait before each retry, plus a margin."""
    retries = settings.OPENAI_MAX_RETRIES
    return timedelta(seconds=(retries + 1) * settings.OPENAI_TIMEOUT + retries * MAX_RETRY_AFTER_SECONDS + 60)


def _renew_lease(claim: IdempotentRequest) -> None:
    renewed = timezone.now()
    if IdempotentRequest.objects.filter(pk=claim.pk, created_at=claim.created_at, response_status=None).update(
        created_at=renewed
    ):
        claim.created_at = renewed


def _store_response(*, claim: IdempotentRequest, status: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    IdempotentRequest.objects.filter(pk=claim.pk, created_at=claim.created_at).update(
        response_status=status, response_body=body
    )
    return status, body


def _with_conversation(error: ModelError, conversation_id: uuid.UUID) -> ModelError:
    """The same error, with the conversation id in its body so the client can retry into it."""
    return type(error)({"detail": error.detail, "conversation_id": str(conversation_id)})


def _log_turn(
    *, conversation: Conversation, model: ModelClient, turn: AgentTurn, started: float, outcome: str, message: str
) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return
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
