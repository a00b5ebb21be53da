"""Writing the record of a turn: its start, each step as it completes, its end.

- `start_turn` stores the turn with the user's message (and the conversation, for a new one)
  in one transaction.
- `TurnRecorder.record_step` stores one step of the agent in one short transaction: the
  assistant message, its tool calls run inside that transaction through the toolbox (so their
  changes to tasks, recorded as `TaskChange` rows by `chat.undo.TurnChanges`, commit with the
  messages or not at all), their result messages, the turn's counters. A step's place (turn,
  step, index) is unique: two processes that continue one turn cannot both store its next
  step, and the loser's tools roll back.
- `save_turn` stores a whole finished turn at once (fixtures, benchmarks, imports).

Statements per turn are few, whatever the conversation's length: on PostgreSQL a step's
messages, the turn's counters and the conversation's are written by one statement (a
data-modifying `WITH`), a step that runs no tool and holds no lease needs no transaction of its
own, and nothing the turn holds is read again (`chat/tests/test_turn_statements.py` pins it).
The turn's UPDATE returns the turn's stop (`Turn.stop_requested_at`, stored by
`chat.conversations.stop_running_turn` from any instance), so the loop sees a stop between
steps without a statement of its own.

Typed messages become columns here (`_message`; the read side is `chat.selectors`): a tool
call is stored in OpenAI's format, a tool result as its JSON. No transaction is open while the
model is called.
"""

import json
import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any, Protocol, cast

from django.db import IntegrityError, connections, router, transaction
from django.db.models import AutoField, F, QuerySet
from django.db.models.sql import InsertQuery, UpdateQuery
from django.utils import timezone

from accounts.models import User
from chat.agent.messages import AssistantMessage, ChatMessage, ToolMessage, ToolRun, Usage, UserMessage, result_json
from chat.agent.openai_model import wire_tool_call
from chat.agent.runner import AgentTurn, Step
from chat.agent.tools import Toolbox
from chat.conversations import start_conversation
from chat.errors import ConversationNotFound
from chat.models import Conversation, Message, Turn
from chat.selectors import repaired, turn_messages
from chat.undo import TurnChanges
from config.database import in_database

# New values for a row's columns, as `QuerySet.update` takes them (values or expressions).
ColumnValues = dict[str, Any]


class StepNotStored(Exception):
    """The step could not be stored because another process now runs the turn (it took the
    key's lease over, or stored this step first). Nothing of the step happened."""


class Lease(Protocol):
    """A claim on running a turn (an idempotency key's), checked and renewed in the
    transaction of each step."""

    def renew(self, turn: Turn | None = None) -> None:
        """In the caller's transaction: renew the claim (naming `turn`), or raise `StepNotStored`."""
        ...

    def confirm(self) -> None:
        """The transaction that renewed the claim has committed."""
        ...


def _message(turn: Turn, step: int, index: int, message: ChatMessage) -> Message:
    """`message` as its row: the columns keep OpenAI's format (tool calls) and the result JSON."""
    row = Message(conversation_id=turn.conversation_id, turn=turn, step=step, index=index, tool_calls=None)
    if isinstance(message, ToolMessage):
        row.role, row.content = Message.Role.TOOL, json.dumps(result_json(message.result))
        row.tool_call_id, row.name = message.call_id, message.name
    elif isinstance(message, AssistantMessage):
        row.role, row.content = Message.Role.ASSISTANT, message.content
        # The state is JSON-able data in any mapping (a read-only one, say): stored as plain JSON.
        row.state = None if message.state is None else json.loads(json.dumps(message.state, default=dict))
        row.tool_calls = [wire_tool_call(call) for call in message.tool_calls] or None
    else:
        row.role, row.content = Message.Role.USER, message.content
    return row


def _touch_conversation(conversation_id: uuid.UUID, *, added: int) -> None:
    Conversation.objects.filter(pk=conversation_id).update(**_touched(added))


def _touched(added: int) -> ColumnValues:
    return {"message_count": F("message_count") + added, "updated_at": timezone.now()}


def _write_messages(rows: Sequence[Message], *, conversation_id: uuid.UUID, turn: ColumnValues | None = None) -> bool:
    """Insert `rows`, update the turn (`turn`: its new values, when given) and count the rows on
    the conversation: one statement on PostgreSQL (a data-modifying `WITH`), else one each.
    Returns whether a stop of the turn is stored (read back by the turn's UPDATE, so seeing a
    stop costs no statement of its own); False when `turn` is not given."""
    database = router.db_for_write(Message)
    turn_id = rows[0].turn_id
    stop = _stop_returned(database)
    if connections[database].vendor != "postgresql":
        Message.objects.bulk_create(rows)
        stopped = False
        if turn is not None:
            turn_sql, turn_params = _update_sql(Turn.objects.filter(pk=turn_id), turn, database)
            with connections[database].cursor() as cursor:
                cursor.execute(f"{turn_sql} {stop}", turn_params)
                stopped = _stopped(cursor.fetchone())
        _touch_conversation(conversation_id, added=len(rows))
        return stopped
    insert = InsertQuery(Message)
    insert.insert_values([f for f in Message._meta.concrete_fields if not isinstance(f, AutoField)], list(rows))
    ((insert_sql, insert_params),) = insert.get_compiler(database).as_sql()
    conversation_sql, conversation_params = _update_sql(
        Conversation.objects.filter(pk=conversation_id), _touched(len(rows)), database
    )
    parts, params = [f"m AS ({insert_sql})"], [*insert_params]
    if turn is None:
        last, last_params = conversation_sql, conversation_params
    else:
        parts.append(f"c AS ({conversation_sql})")
        params.extend(conversation_params)
        turn_sql, turn_params = _update_sql(Turn.objects.filter(pk=turn_id), turn, database)
        last, last_params = f"{turn_sql} {stop}", turn_params
    with connections[database].cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {last}", [*params, *last_params])
        return turn is not None and _stopped(cursor.fetchone())


def _stop_returned(database: str) -> str:
    """The clause that makes the turn's UPDATE return its stop (the column named with its
    table: SQLite reads a lone quoted name it does not resolve as a string)."""
    quote = connections[database].ops.quote_name
    column = f"{quote(Turn._meta.db_table)}.{quote(Turn._meta.get_field('stop_requested_at').column)}"
    return f"RETURNING {column}"


def _stopped(row: Sequence[Any] | None) -> bool:
    return row is not None and row[0] is not None


def _update_sql(rows: "QuerySet[Any]", values: ColumnValues, database: str) -> tuple[str, tuple[Any, ...]]:
    """The SQL of `rows.update(**values)`, to run as part of a larger statement."""
    query = cast(UpdateQuery, rows.query.chain(UpdateQuery))
    query.add_update_values(values)
    sql, params = query.get_compiler(database).as_sql()
    return sql, tuple(params)


def start_turn(
    *, owner: User, message: str, conversation_id: uuid.UUID | None = None, lease: Lease | None = None
) -> Turn:
    """Store a new turn with the user's message, in a new conversation when `conversation_id`
    is None; `lease` (an idempotency key's claim) is renewed naming the turn in the same
    transaction (the caller confirms it once that commits). Raises `ConversationNotFound` and
    `StepNotStored`."""
    with transaction.atomic(savepoint=False):
        if conversation_id is None:
            conversation = start_conversation(owner=owner, first_message=message)
        else:
            found = Conversation.objects.filter(pk=conversation_id, owner=owner).first()
            if found is None:
                raise ConversationNotFound()
            conversation = found
        turn = Turn.objects.create(conversation=conversation, steps=1)
        _write_messages([_message(turn, 0, 0, UserMessage(message))], conversation_id=conversation.pk)
        if lease is not None:
            lease.renew(turn)
    turn.conversation = conversation
    return turn


def stored_turn(turn: Turn) -> AgentTurn:
    """What `turn` has stored so far, as the agent loop continues it."""
    usage = Usage(turn.prompt_tokens, turn.completion_tokens, turn.total_tokens)
    return AgentTurn.from_messages(repaired(turn_messages(turn)), usage=usage, model_calls=turn.model_calls)


def set_status(turn: Turn, status: Turn.Status) -> None:
    Turn.objects.filter(pk=turn.pk).update(status=status, updated_at=timezone.now())
    turn.status = status


class TurnRecorder:
    """Stores the steps of one turn as they complete, running each step's tool calls in the
    step's transaction (`chat.agent.runner.StepRecorder`)."""

    def __init__(self, *, turn: Turn, owner: User, lease: Lease | None = None) -> None:
        self.turn = turn
        self.owner = owner
        self.lease = lease
        # Whether the person asked to stop the turn: as loaded, then as each step stored reads it.
        self.stop_requested = turn.stop_requested_at is not None

    async def record_step(self, step: Step) -> list[ToolRun]:
        return await in_database(self.store_step, step)

    def store_step(self, step: Step) -> list[ToolRun]:
        """Run the step's tool calls and store it, in one transaction (`record_step`, in the
        database's thread). Raises `StepNotStored` when its place is taken or the lease lost."""
        number = self.turn.steps
        # A step that runs nothing and renews nothing is one statement on PostgreSQL: atomic.
        alone = self.lease is None and not step.message.tool_calls and _one_statement()
        try:
            with nullcontext() if alone else transaction.atomic():
                if self.lease is not None:
                    self.lease.renew()
                toolbox = Toolbox(self.owner, TurnChanges(owner=self.owner, turn=self.turn, step=number))
                runs = [toolbox.run(call) for call in step.message.tool_calls]
                self.stop_requested = self._store(number, step, step.messages(runs))
        except IntegrityError as error:
            # The step's place is taken: another process stored this step of the turn.
            raise StepNotStored() from error
        if self.lease is not None:
            self.lease.confirm()
        self.turn.steps, self.turn.status = number + 1, _status_after(step)
        return runs

    def _store(self, number: int, step: Step, messages: Sequence[ChatMessage]) -> bool:
        """Store the step's messages and the turn's counters; whether a stop is stored."""
        rows = [_message(self.turn, number, index, message) for index, message in enumerate(messages)]
        usage = step.message.usage
        turn: ColumnValues = {
            "steps": number + 1,
            "model_calls": F("model_calls") + int(step.model_call),
            "prompt_tokens": F("prompt_tokens") + usage.prompt_tokens,
            "completion_tokens": F("completion_tokens") + usage.completion_tokens,
            "total_tokens": F("total_tokens") + usage.total_tokens,
            "status": _status_after(step),
            "updated_at": timezone.now(),
        }
        return _write_messages(rows, conversation_id=self.turn.conversation_id, turn=turn)


def _status_after(step: Step) -> Turn.Status:
    if step.stopped:
        return Turn.Status.STOPPED
    return Turn.Status.COMPLETED if step.final else Turn.Status.RUNNING


def _one_statement() -> bool:
    """Whether `_write_messages` is one statement on this database."""
    return connections[router.db_for_write(Message)].vendor == "postgresql"


def save_turn(*, conversation_id: uuid.UUID, messages: Sequence[ChatMessage]) -> Turn:
    """Store a whole finished turn at once: a user message, then each assistant message
    starting a step with the tool results after it. For fixtures, benchmarks and imports."""
    with transaction.atomic():
        if not Conversation.objects.filter(pk=conversation_id).exists():
            raise ConversationNotFound()
        turn = Turn.objects.create(conversation_id=conversation_id, status=Turn.Status.COMPLETED)
        rows, step, index = [], 0, 0
        for position, message in enumerate(messages):
            if position > 0 and isinstance(message, AssistantMessage | UserMessage):
                step, index = step + 1, 0
            elif position > 0:
                index += 1
            rows.append(_message(turn, step, index, message))
        Message.objects.bulk_create(rows)
        calls = sum(isinstance(message, AssistantMessage) for message in messages)
        Turn.objects.filter(pk=turn.pk).update(steps=step + 1 if messages else 0, model_calls=calls)
        _touch_conversation(conversation_id, added=len(rows))
    return turn
