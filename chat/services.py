"""The chat service: one message, one turn, with or without an `Idempotency-Key`.

`turn_events` is what every face runs (the chat API, as JSON or SSE, and the terminal chat):
the turn's events, in order, ending with `TurnFinished` (`chat.turns.collect` gives its
`TurnResult`). Without a key a turn is started and run; with one, at most once per (owner,
key) (`chat.idempotency`).
"""

import uuid
from collections.abc import AsyncIterator

from accounts.models import User
from chat.agent.clients import build_model
from chat.agent.events import Event
from chat.agent.model import ModelClient
from chat.idempotency import turn_once_events
from chat.turns import begin_turn, run_turn_events
from config.database import in_database


async def turn_events(
    *,
    owner: User,
    message: str,
    conversation_id: uuid.UUID | None = None,
    key: str | None = None,
    model: ModelClient | None = None,
) -> AsyncIterator[Event]:
    """Run one turn of a conversation (a new one when `conversation_id` is None) with `model`
    (the configured one when None), telling it as it goes; with `key`, at most once.

    Raises `ConversationNotFound` (before any event), a `ModelError` naming the conversation,
    `DatabaseUnavailableMayHaveRun`, and for a key `RequestInProgress` or `IdempotencyKeyReused`
    (a database error before the turn is stored goes up as it is)."""
    model = model or build_model()
    if key is not None:
        events = turn_once_events(owner=owner, key=key, message=message, conversation_id=conversation_id, model=model)
    else:
        record = await in_database(begin_turn, owner=owner, message=message, conversation_id=conversation_id)
        events = run_turn_events(owner=owner, record=record, model=model)
    async for event in events:
        yield event
