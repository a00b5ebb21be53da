"""Undo: reverting the task changes of a conversation's last turn that made any.

`undo_last_turn` reverts, newest first, every change the most recent earlier turn of the
conversation recorded (a turn that made changes and has not been undone), as long as each task
is still as that change left it; otherwise it changes nothing and raises `UndoConflict`. The
reverts are themselves changes of the undoing turn, each naming the change it `reverts`, and
the undone turn is marked `undone_by` it.

Undoing walks back: a turn whose only changes are reverts is never a target, and an undone turn
is not one again, so "undo" said twice undoes the last two turns that changed tasks (there is
no redo; the tasks can be changed back by asking for it).

`TurnChanges` is the journal the tools of a turn's step write to: the changes undo reads.
"""

import uuid

from django.db import transaction
from django.db.models import Exists, OuterRef

from accounts.models import User
from chat.errors import ConversationNotFound, NothingToUndo
from chat.models import Conversation, TaskChange, Turn
from todos import services
from todos.models import Todo
from todos.services import TaskSnapshot

# The action a revert records, by the action it reverts.
REVERT_ACTION = {"add": "delete", "delete": "restore"}
REVERTED = "revert"


def undo_last_turn(*, owner: User, turn: Turn, step: int) -> list[tuple[str, Todo]]:
    """Undo, as part of `turn` (its step `step`), the task changes of the most recent earlier
    turn of its conversation that has changes to undo. Returns (the action undone, the task
    after the undo, or as it was when the undo deleted it) in the order the changes were made."""
    with transaction.atomic():
        own_changes = TaskChange.objects.filter(turn=OuterRef("pk"), reverts__isnull=True)
        target = (
            Turn.objects.select_for_update()
            .filter(conversation_id=turn.conversation_id, id__lt=turn.pk, undone_by__isnull=True)
            .filter(Exists(own_changes))
            .order_by("-id")
            .first()
        )
        if target is None:
            raise NothingToUndo()
        undone: list[tuple[str, Todo]] = []
        for change in target.task_changes.filter(reverts__isnull=True).order_by("-id"):
            task = services.revert_task(owner=owner, number=change.number, expected=change.after, to=change.before)
            TaskChange.objects.create(
                turn=turn,
                step=step,
                number=change.number,
                action=REVERT_ACTION.get(change.action, REVERTED),
                before=change.after,
                after=None if change.before is None else services.task_snapshot(task),
                reverts=change,
            )
            undone.append((change.action, task))
        Turn.objects.filter(pk=target.pk).update(undone_by=turn)
    undone.reverse()
    return undone


class TurnChanges:
    """The journal of one step of a turn, as its tools see it (`chat.agent.tools.TurnBinding`):
    each change to a task is recorded with the turn's step, in the step's transaction, and an
    undo is relative to the turn."""

    def __init__(self, *, owner: User, turn: Turn, step: int) -> None:
        self.owner = owner
        self.turn = turn
        self.step = step

    def record_change(
        self, *, action: str, number: int, before: TaskSnapshot | None, after: TaskSnapshot | None
    ) -> None:
        TaskChange.objects.create(
            turn=self.turn, step=self.step, number=number, action=action, before=before, after=after
        )

    def undo_last_turn(self) -> list[tuple[str, Todo]]:
        return undo_last_turn(owner=self.owner, turn=self.turn, step=self.step)


def undo_conversation_turn(*, owner: User, conversation_id: uuid.UUID) -> list[tuple[str, Todo]]:
    """`POST .../conversations/<id>/undo`: undo the conversation's last turn with changes. The
    undo is recorded as a turn of its own (with no messages) holding the reverts."""
    with transaction.atomic():
        conversation = Conversation.objects.filter(pk=conversation_id, owner=owner).first()
        if conversation is None:
            raise ConversationNotFound()
        turn = Turn.objects.create(conversation=conversation, status=Turn.Status.COMPLETED)
        return undo_last_turn(owner=owner, turn=turn, step=0)
