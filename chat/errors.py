"""The chat app's error codes, in one place: the errors a turn, its key and its conversation
raise (each declaring its code, status and body fields: see `config.errors`), and the codes of
the failed tool results the tool layer itself produces.

A leaf module: it imports only `config.errors`, so `chat.agent` and the rest of `chat` can
import it without a cycle.
"""

import uuid

from config.errors import DomainError, ErrorBody, NotFound

# Seconds a client should wait before retrying a turn the model provider failed for a while.
MODEL_RETRY_AFTER_SECONDS = 5

# The codes of failed tool results the tool layer produces (`chat.agent.tool_registry`); a
# service's `DomainError` brings its own (`task_not_found`, `invalid`, ...).
INVALID_ARGUMENTS = "invalid_arguments"
UNKNOWN_TOOL = "unknown_tool"
TOOL_FAILED = "tool_failed"
# A stored tool call whose result never was: whether the tool ran is unknown.
INTERRUPTED = "interrupted"
# A stored tool result that cannot be read back (`chat.agent.messages`).
UNREADABLE_RESULT = "unreadable_result"
TOOL_RESULT_CODES = (INVALID_ARGUMENTS, UNKNOWN_TOOL, TOOL_FAILED, INTERRUPTED, UNREADABLE_RESULT)


class ModelError(DomainError):
    """The model provider failed; the turn cannot go on.

    `conversation_id`, once the turn knows it, goes into the error body, so the client can
    retry into the conversation that holds what the turn did before the failure."""

    status_code = 502
    code = "model_error"
    default_detail = "The language model provider returned an error."
    data_fields = ("conversation_id",)
    conversation_id: uuid.UUID | None = None

    def in_conversation(self, conversation_id: uuid.UUID) -> "ModelError":
        """The same error, naming the conversation the turn belongs to."""
        error = type(self)(self.detail)
        error.conversation_id = conversation_id
        return error


class ModelProviderError(ModelError):
    pass


class ModelUnavailable(ModelError):
    status_code = 503
    code = "model_unavailable"
    default_detail = "The language model provider is unavailable. Please try again shortly."
    retry_after = MODEL_RETRY_AFTER_SECONDS


class ModelRateLimited(ModelUnavailable):
    code = "model_rate_limited"
    default_detail = "The language model provider's rate limit is exceeded. Please try again shortly."


class ModelTimeout(ModelError):
    status_code = 504
    code = "model_timeout"
    default_detail = "The language model provider did not answer in time."
    retry_after = MODEL_RETRY_AFTER_SECONDS


class RequestInProgress(DomainError):
    status_code = 409
    code = "request_in_progress"
    default_detail = "A request with this Idempotency-Key is still in progress. Retry later to get its response."


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was already used for a different request."


class StoredError(DomainError):
    """The error a key's first request ended with, raised again exactly as it was answered
    (its code is the stored one, so it declares none of its own)."""

    def __init__(self, *, status_code: int, body: ErrorBody) -> None:
        super().__init__(body)
        self.status_code = status_code
        self.code = str(body.get("code", DomainError.code))


class ConversationNotFound(NotFound):
    code = "conversation_not_found"
    default_detail = "Conversation not found."


class NothingToUndo(DomainError):
    status_code = 409
    code = "nothing_to_undo"
    default_detail = "There is no earlier change in this conversation to undo."


class NothingRunning(DomainError):
    status_code = 409
    code = "nothing_running"
    default_detail = "No turn of this conversation is running."
