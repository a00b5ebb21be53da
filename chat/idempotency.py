"""`Idempotency-Key`: a chat turn runs at most once per (user, key).

The key is claimed before the turn runs (one row, unique per user and key) and the turn's
outcome stored on it, so a repeat gets the first outcome again (the same turn, or the same
error) and a repeat that arrives while the first is still running gets `RequestInProgress`.

The claim is a lease: the running turn renews it after every step, and a claim left unrenewed
for longer than one step of the model client in use can take (its process died) is taken
over, so such a key does not answer "in progress" forever. Only the holder of the current
lease stores an outcome.
"""

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from chat.agent.clients import build_model
from chat.agent.model import ModelClient
from chat.models import IdempotentRequest
from chat.turns import ChatTurn, run_turn
from config.errors import DomainError, InvalidInput, ServerError

IDEMPOTENCY_KEY = re.compile(r"^[!-~]{1,255}$")
# `response_status` of a stored turn (errors store their own status).
TURN_STORED = 200


class RequestInProgress(DomainError):
    status_code = 409
    code = "request_in_progress"
    default_detail = "A request with this Idempotency-Key is still in progress. Retry later to get its response."


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used for a different request."


class StoredError(DomainError):
    """The error a key's first request ended with, raised again exactly as it was answered."""

    def __init__(self, *, status_code: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status_code = status_code
        self.code = str(body.get("code", DomainError.code))


def run_turn_once(
    *,
    owner: User,
    key: str,
    message: str,
    conversation_id: uuid.UUID | None = None,
    model: ModelClient | None = None,
) -> ChatTurn:
    """`run_turn`, at most once per (owner, key): a repeat gets the first turn, or its error."""
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput({"Idempotency-Key": ["Must be 1 to 255 visible ASCII characters."]})
    turn_model = model or build_model()

    def run(renew_lease: Callable[[], None]) -> ChatTurn:
        return run_turn(
            owner=owner, message=message, conversation_id=conversation_id, model=turn_model, on_step=renew_lease
        )

    return at_most_once(
        owner=owner,
        key=key,
        fingerprint=request_fingerprint(message=message, conversation_id=conversation_id),
        lease=turn_model.longest_step,
        run=run,
    )


def at_most_once(
    *, owner: User, key: str, fingerprint: str, lease: timedelta, run: Callable[[Callable[[], None]], ChatTurn]
) -> ChatTurn:
    """Call `run(renew_lease)` unless the key already has an outcome; store its outcome.

    `run` must call `renew_lease` at least once per `lease`. Raises `IdempotencyKeyReused`
    for another request's key, `RequestInProgress` while its first request runs, and a stored
    failure as `StoredError`."""
    claim = _claim_key(owner=owner, key=key, fingerprint=fingerprint, lease=lease)
    if claim.response_status is not None:
        return _replay(claim)
    try:
        turn = run(lambda: _renew_lease(claim))
        _store_outcome(claim=claim, status=TURN_STORED, body=turn.as_dict())
    except DomainError as error:
        _store_outcome(claim=claim, status=error.status_code, body=error.body())
        raise
    except Exception:
        # Tools may have run before the failure (or the outcome could not be stored): the key
        # must never run the turn again.
        _store_outcome(claim=claim, status=ServerError.status_code, body=ServerError().body())
        raise
    return turn


def request_fingerprint(*, message: str, conversation_id: uuid.UUID | None) -> str:
    """What makes two requests with one key the same request."""
    return hashlib.sha256(
        json.dumps({"message": message, "conversation_id": str(conversation_id or "")}).encode()
    ).hexdigest()


def _claim_key(*, owner: User, key: str, fingerprint: str, lease: timedelta) -> IdempotentRequest:
    """Claim the key for this request, or return the earlier request's row if it has an outcome.

    An earlier claim whose lease has gone unrenewed for longer than `lease` is taken over
    (renewing it), so only one request holds a key's lease at a time."""
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
        if earlier.lease_renewed_at < renewed - lease and IdempotentRequest.objects.filter(
            pk=earlier.pk, response_status=None, lease_renewed_at=earlier.lease_renewed_at
        ).update(lease_renewed_at=renewed):
            earlier.lease_renewed_at = renewed
            return earlier
        raise RequestInProgress()
    raise RequestInProgress()


def _renew_lease(claim: IdempotentRequest) -> None:
    renewed = timezone.now()
    if IdempotentRequest.objects.filter(
        pk=claim.pk, lease_renewed_at=claim.lease_renewed_at, response_status=None
    ).update(lease_renewed_at=renewed):
        claim.lease_renewed_at = renewed


def _store_outcome(*, claim: IdempotentRequest, status: int, body: dict[str, Any]) -> None:
    """Store the outcome, unless another request has taken the lease over since."""
    IdempotentRequest.objects.filter(pk=claim.pk, lease_renewed_at=claim.lease_renewed_at).update(
        response_status=status, response_body=body
    )


def _replay(claim: IdempotentRequest) -> ChatTurn:
    body = claim.response_body if isinstance(claim.response_body, dict) else {}
    if claim.response_status == TURN_STORED:
        return ChatTurn.from_dict(body)
    raise StoredError(status_code=claim.response_status or ServerError.status_code, body=body)
