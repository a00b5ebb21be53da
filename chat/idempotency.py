"""`Idempotency-Key`: a chat turn runs at most once per (user, key), and its tools exactly once.

The key is claimed before the turn runs (one row, unique per user and key), the turn it starts
is named on that row in the transaction that stores the turn's start, and the turn's outcome
is stored on it: a repeat gets the first outcome again (the same turn, or the same error), and
a repeat that arrives while the first is still running gets `RequestInProgress`.

Only a definitive outcome is stored: the turn's answer, or an error about the request. A
failure a retry can cure (the model provider unavailable, rate limited or timing out, the
database gone) releases the key instead, and its answer carries `Retry-After`: the retry
continues the turn.

The claim is a lease: renewed on a heartbeat while the turn runs (every third of
`IDEMPOTENCY_LEASE_SECONDS`, whatever the model call is doing) and in the transaction of every
step, and taken over by a repeat once it has gone unrenewed for `IDEMPOTENCY_LEASE_SECONDS`
(its process died), or at once when its request gave up. Taking it over *continues* the stored
turn: the steps already stored (tool calls with their results) are read back, never run
again, and the loop goes on from there; a turn that had finished answers from its record. A
step whose lease was lost since cannot be stored, so its tools roll back: only the holder of
the current lease stores a step or an outcome.
"""

import asyncio
import hashlib
import json
import logging
import re
import threading
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from chat.agent.events import Event, TurnFinished, TurnStarted, told_again
from chat.agent.messages import TurnResult
from chat.agent.model import ModelClient
from chat.errors import IdempotencyKeyReused, ModelError, RequestInProgress, StoredError
from chat.models import IdempotentRequest, Turn
from chat.persistence import StepNotStored
from chat.turns import TurnRecord, begin_turn, load_turn, run_turn_events
from config.database import in_database
from config.errors import DatabaseUnavailable, DatabaseUnavailableMayHaveRun, DomainError, InvalidInput, ServerError
from config.outages import DATABASE_ERRORS, close_broken_connections

IDEMPOTENCY_KEY = re.compile(r"^[!-~]{1,255}$")
# `response_status` of a stored turn (errors store their own status).
TURN_STORED = 200
# A released lease: older than any lease, so the next repeat takes the key over at once.
RELEASED = datetime(2000, 1, 1, tzinfo=UTC)

logger = logging.getLogger(__name__)


def lease_length() -> timedelta:
    """How long a claim lasts unrenewed before a repeat takes it over."""
    return timedelta(seconds=settings.IDEMPOTENCY_LEASE_SECONDS)


class KeyLease:
    """This request's lease on its key (`chat.persistence.Lease`): renewed, and checked, in the
    transaction of each step, so a step of a request that lost the key is never stored, and
    between steps on a heartbeat (`beat`), so a slow model call never lets it lapse.

    A step's renewal commits with its step, later: until then (`confirm`) the heartbeat leaves
    the row alone, since it would compare against a lease the step is replacing."""

    def __init__(self, claim: IdempotentRequest) -> None:
        self.claim = claim
        self._renewed: datetime | None = None
        self._lock = threading.Lock()

    def renew(self, turn: Turn | None = None) -> None:
        with self._lock:
            renewed = timezone.now()
            claimed = IdempotentRequest.objects.filter(
                pk=self.claim.pk, lease_renewed_at=self.claim.lease_renewed_at, response_status=None
            )
            renewed_rows = (
                claimed.update(lease_renewed_at=renewed)
                if turn is None
                else claimed.update(lease_renewed_at=renewed, turn=turn)
            )
            if not renewed_rows:
                raise StepNotStored()
            self._renewed = renewed

    def confirm(self) -> None:
        with self._lock:
            if self._renewed is not None:
                self.claim.lease_renewed_at, self._renewed = self._renewed, None

    def beat(self) -> bool:
        """Renew the lease between steps (it commits at once); False once it is lost."""
        with self._lock:
            if self._renewed is not None:
                return True  # a step is renewing it
            renewed = timezone.now()
            if not IdempotentRequest.objects.filter(
                pk=self.claim.pk, lease_renewed_at=self.claim.lease_renewed_at, response_status=None
            ).update(lease_renewed_at=renewed):
                return False
            self.claim.lease_renewed_at = renewed
            return True

    def store_outcome(self, *, status: int, body: Mapping[str, object]) -> None:
        """Store the outcome, unless another request has taken the lease over since."""
        with self._lock:
            _store_outcome(claim=self.claim, status=status, body=body)

    def release(self) -> None:
        """Give the key up, so a repeat continues at once. The database may be down: then the
        release is left for the next chat request this process serves (likely the retry)."""
        close_broken_connections()
        with self._lock:
            if not _release(self.claim.pk, self.claim.lease_renewed_at):
                with _unreleased_lock:
                    _unreleased.append((self.claim.pk, self.claim.lease_renewed_at))


@asynccontextmanager
async def heartbeat(lease: KeyLease) -> AsyncIterator[None]:
    """Renew `lease` every third of its length while the body runs (the model being called
    included), stopping before the body's outcome is stored or the lease released."""
    task = asyncio.create_task(_beat(lease, every=lease_length().total_seconds() / 3))
    try:
        yield
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass


async def _beat(lease: KeyLease, *, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            if not await in_database(lease.beat):
                return  # taken over: the next step of this turn will not be stored
        except (DatabaseError, *DATABASE_ERRORS) as error:  # type: ignore[misc]  # mypy: a tuple built at import
            # The turn's next step will meet the failure too; the lease may lapse meanwhile.
            logger.warning("Idempotency-Key lease not renewed: the database failed (%s)", type(error).__name__)
            await in_database(close_broken_connections)


# Leases this process gave up while the database was down: (claim, its lease).
_unreleased: list[tuple[int, datetime]] = []
_unreleased_lock = threading.Lock()


def _release(pk: int, lease: datetime) -> bool:
    """Release the claim `pk` if it still holds `lease`; False if the database failed."""
    try:
        IdempotentRequest.objects.filter(pk=pk, lease_renewed_at=lease, response_status=None).update(
            lease_renewed_at=RELEASED
        )
    except DatabaseError:
        close_broken_connections()
        return False
    return True


def _release_pending() -> None:
    with _unreleased_lock:
        pending = list(_unreleased)
        _unreleased.clear()
    for index, (pk, lease) in enumerate(pending):
        if not _release(pk, lease):
            with _unreleased_lock:
                _unreleased.extend(pending[index:])
            return


async def turn_once_events(
    *, owner: User, key: str, message: str, conversation_id: uuid.UUID | None, model: ModelClient
) -> AsyncIterator[Event]:
    """A turn, at most once per (owner, key): a repeat gets the first turn (told again from its
    stored answer), or its error, and a repeat after the first request died (or failed in a
    way a retry can cure) continues its turn."""
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput({"Idempotency-Key": ["Must be 1 to 255 visible ASCII characters."]})
    fingerprint = request_fingerprint(message=message, conversation_id=conversation_id)
    claim = await _claim(owner=owner, key=key, fingerprint=fingerprint)
    if claim.response_status is not None:
        stored = _replay(claim)
        yield TurnStarted(stored.conversation_id, claim.turn_id or 0)
        for event in told_again(tool_runs=stored.tool_runs, reply=stored.reply):
            yield event
        yield TurnFinished(stored)
        return
    lease = KeyLease(claim)
    record: TurnRecord | None = None
    try:
        async with heartbeat(lease):
            if claim.turn_id is None:
                record = await in_database(
                    begin_turn, owner=owner, message=message, conversation_id=conversation_id, lease=lease
                )
            else:
                record = await in_database(load_turn, claim.turn_id)
            async for event in run_turn_events(owner=owner, record=record, model=model, lease=lease):
                if isinstance(event, TurnFinished):
                    await in_database(lease.store_outcome, status=TURN_STORED, body=event.result.as_json())
                yield event
    except StepNotStored:
        raise RequestInProgress() from None
    except asyncio.CancelledError:
        # The process is stopping mid-turn: a retry continues the turn at once.
        await asyncio.shield(in_database(lease.release))
        raise
    except (DatabaseUnavailable, *DATABASE_ERRORS) as error:  # type: ignore[misc]  # mypy: a tuple built at import
        # Nothing is stored as the outcome: a repeat continues the turn from its last stored step.
        await in_database(lease.release)
        if isinstance(error, DatabaseUnavailable):
            raise
        if record is not None or claim.turn_id is not None:
            conversation = record.turn.conversation_id if record is not None else None
            raise DatabaseUnavailableMayHaveRun(conversation_id=conversation) from error
        raise DatabaseUnavailable() from error
    except DomainError as error:
        if isinstance(error, ModelError) and error.retry_after is not None:
            # A failure a retry can cure is no outcome: the retry continues the turn.
            await in_database(lease.release)
        else:
            await in_database(lease.store_outcome, status=error.status_code, body=error.body())
        raise
    except Exception:
        # An unexpected failure (a bug) would most likely happen again: the key answers it
        # from now on rather than running the turn on.
        await in_database(lease.store_outcome, status=ServerError.status_code, body=ServerError().body())
        raise


async def _claim(*, owner: User, key: str, fingerprint: str) -> IdempotentRequest:
    """`_claim_key`, a database failure answered without a traceback: whether the claim
    committed is unknown once it was sent, so the answer says the turn may have started."""
    try:
        return await in_database(_claim_key, owner=owner, key=key, fingerprint=fingerprint, lease=lease_length())
    except _ClaimNotKnown as failure:
        logger.warning("Idempotency-Key not claimed: the database failed (%s)", type(failure.__cause__).__name__)
        await in_database(close_broken_connections)
        if failure.sent:
            raise DatabaseUnavailableMayHaveRun() from failure.__cause__
        raise DatabaseUnavailable() from failure.__cause__


class _ClaimNotKnown(Exception):
    """The database failed while claiming a key; `sent`: after the claim's write was sent."""

    def __init__(self, *, sent: bool) -> None:
        super().__init__()
        self.sent = sent


def request_fingerprint(*, message: str, conversation_id: uuid.UUID | None) -> str:
    """What makes two requests with one key the same request."""
    return hashlib.sha256(
        json.dumps({"message": message, "conversation_id": str(conversation_id or "")}).encode()
    ).hexdigest()


def _claim_key(*, owner: User, key: str, fingerprint: str, lease: timedelta) -> IdempotentRequest:
    """Claim the key for this request, or return the earlier request's row if it has an outcome.

    An earlier claim whose lease has gone unrenewed for longer than `lease` is taken over
    (renewing it), so only one request holds a key's lease at a time. A database failure
    raises `_ClaimNotKnown`, saying whether it came once the claim could have been written."""
    try:
        if _unreleased:
            _release_pending()
        connection.ensure_connection()
    except DATABASE_ERRORS as error:
        raise _ClaimNotKnown(sent=False) from error
    try:
        return _claim_or_take_over(owner=owner, key=key, fingerprint=fingerprint, lease=lease)
    except DATABASE_ERRORS as error:
        raise _ClaimNotKnown(sent=True) from error


def _claim_or_take_over(*, owner: User, key: str, fingerprint: str, lease: timedelta) -> IdempotentRequest:
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


def _store_outcome(*, claim: IdempotentRequest, status: int, body: Mapping[str, object]) -> None:
    IdempotentRequest.objects.filter(pk=claim.pk, lease_renewed_at=claim.lease_renewed_at).update(
        response_status=status, response_body=body
    )


def _replay(claim: IdempotentRequest) -> TurnResult:
    body = claim.response_body if isinstance(claim.response_body, dict) else {}
    if claim.response_status == TURN_STORED:
        return TurnResult.from_json(body)
    raise StoredError(status_code=claim.response_status or ServerError.status_code, body=body)
