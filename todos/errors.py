"""The errors the todo services raise, each declaring its code and status (see `config.errors`)."""

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
