"""The errors of the todo services. Those of planning a task are each a 400 with its own code,
`{"detail": ..., "code": ...}`, and are `InvalidTaskInput`s, so a caller that handles bad input
handles them too."""

from config.errors import DomainError, InvalidInput, NotFound


class TaskNotFound(NotFound):
    code = "task_not_found"

    def __init__(self, number: int) -> None:
        self.number = number
        super().__init__(f"Task {number} not found.")


class InvalidTaskInput(InvalidInput):
    pass


class UndoConflict(DomainError):
    """A task is no longer as the change to undo left it (changed, deleted or recreated since)."""

    status_code = 409
    code = "undo_conflict"

    def __init__(self, number: int) -> None:
        self.number = number
        super().__init__(f"Task {number} has changed since, so the change cannot be undone.")


class InvalidDueString(InvalidTaskInput):
    code = "invalid_due_string"
    default_detail = (
        "Could not read that due date. Try words like 'tomorrow at 5pm', 'next friday', 'dec 24' or 'every monday'."
    )


class InvalidRecurrence(InvalidTaskInput):
    code = "invalid_recurrence"
    default_detail = (
        "The recurrence is not an RFC 5545 RRULE that repeats daily or less often (e.g. FREQ=WEEKLY;BYDAY=MO)."
    )


class InvalidPriority(InvalidTaskInput):
    code = "invalid_priority"
    default_detail = "The priority must be one of: none, low, medium, high."


class InvalidDueDate(InvalidTaskInput):
    code = "invalid_due_date"
    default_detail = "The due date must be a date, YYYY-MM-DD."


class InvalidDueTime(InvalidTaskInput):
    code = "invalid_due_time"
    default_detail = "The due time must be a time of day, HH:MM."


class DueTimeWithoutDate(InvalidTaskInput):
    code = "due_time_without_date"
    default_detail = "A due time needs a due date."


class RecurrenceWithoutDate(InvalidTaskInput):
    code = "recurrence_without_date"
    default_detail = "A recurrence needs a due date."


class ConflictingDue(InvalidTaskInput):
    code = "conflicting_due"
    default_detail = "Give either due_string or due_date/due_time/recurrence, not both."
