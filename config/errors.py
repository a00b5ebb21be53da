"""Every error response, declared: the base of the error family and the generic errors.

An error class declares its response and nothing else renders it: its `status_code`, its stable,
machine-readable `code`, the instance attributes it adds to the body (`data_fields`, e.g.
`conversation_id`) and its `Retry-After` (`retry_after`). `DeclaredError.body()` and
`headers()` build every error response from those declarations, and one handler
(`config.exception_handler`) answers with them: `{"detail": "...", "code": "...", ...data}`.
Field errors (a `detail` dict) keep DRF's shape, `{"field": ["message"]}`.

Two kinds of declared errors:
- `DomainError`: what services raise (a task not found, invalid input, a model provider's
  failure). Services never import DRF; each app declares its own in `<app>/errors.py`.
- `HttpError`, a DRF `APIException`: conditions only the HTTP layer knows (the database is
  unreachable, a body over Django's limits, a server error, a refused request).

Adding an error is one class in its app's `errors.py` (and its code's row in the README's
table of codes); the OpenAPI schema lists its code under its status by itself, and
`config/tests/test_declared_errors.py` checks that the code is new and that its body carries it.
"""

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from rest_framework.exceptions import APIException

# Seconds a client should wait before retrying a request the database was unavailable for.
DATABASE_RETRY_AFTER_SECONDS = 5


# An error response's JSON body: `detail` and `code` (and declared data), or field errors.
ErrorBody = dict[str, Any]


class DeclaredError(Exception):
    """What an error response is made of, declared by its class; rendered only here."""

    status_code: int
    code: str
    default_detail: Any
    detail: Any
    # The instance attributes that go into the body (when not None), in this order.
    data_fields: ClassVar[tuple[str, ...]] = ()
    # Seconds for the `Retry-After` header, when the client should retry.
    retry_after: ClassVar[int | None] = None

    def data(self) -> ErrorBody:
        """The declared data fields that have a value, as JSON values."""
        data = {}
        for name in self.data_fields:
            value = getattr(self, name, None)
            if value is not None:
                data[name] = str(value) if isinstance(value, uuid.UUID) else value
        return data

    def body(self) -> ErrorBody:
        """The JSON body of the response: field errors as they are, else detail, code and data."""
        if isinstance(self.detail, dict):
            return dict(self.detail)
        return {"detail": str(self.detail), "code": self.code, **self.data()}

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class DomainError(DeclaredError):
    """An error a service raises; the base of every app's `errors.py`."""

    status_code = 400
    code = "error"
    default_detail = "The request could not be processed."

    def __init__(self, detail: str | ErrorBody | None = None) -> None:
        self.detail = detail if detail is not None else self.default_detail
        super().__init__(self.detail)


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    default_detail = "Not found."


class InvalidInput(DomainError):
    """Bad input caught by a service; `detail` is a message or a dict of field errors."""

    status_code = 400
    code = "invalid"
    default_detail = "Invalid input."


class HttpError(DeclaredError, APIException):
    """A condition only the HTTP layer knows; never raised by a service."""

    status_code = 500
    code = "error"
    default_detail = "A server error occurred."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail if detail is not None else self.default_detail, self.code)


class ServerError(HttpError):
    """An unexpected failure: the one body every 500 response carries."""

    status_code = 500
    code = "server_error"
    default_detail = "A server error occurred."


class RequestTimeout(HttpError):
    """A request body that did not arrive within `REQUEST_BODY_TIMEOUT` (`config.body_limits`)."""

    status_code = 408
    code = "request_timeout"
    default_detail = "The request body did not arrive in time."


class BadRequest(HttpError):
    """A request Django refuses before any view reads it (a `SuspiciousOperation`, a bad Host)."""

    status_code = 400
    code = "bad_request"
    default_detail = "Bad request."


class DatabaseUnavailable(HttpError):
    """The database is unreachable and the request changed nothing: retry it (`config.outages`)."""

    status_code = 503
    code = "database_unavailable"
    default_detail = "The database is unavailable; nothing was changed. Please retry shortly."
    retry_after = DATABASE_RETRY_AFTER_SECONDS


class DatabaseUnavailableMayHaveRun(DatabaseUnavailable):
    """The database went away after a chat turn had started: retrying with the same
    `Idempotency-Key` continues the turn stored in `conversation_id`."""

    code = "database_unavailable_may_have_run"
    default_detail = (
        "The database became unavailable during the chat turn: part of it may have run. Retry with the "
        "same Idempotency-Key to continue it; no tool that already ran runs again."
    )
    data_fields = ("conversation_id",)

    def __init__(self, detail: str | None = None, *, conversation_id: uuid.UUID | None = None) -> None:
        super().__init__(detail)
        self.conversation_id = conversation_id


class RequestLimitExceeded(HttpError):
    """A request over one of Django's limits on a body; the message names the limit in force."""

    status_code = 400
    limit_setting: ClassVar[str] = ""
    message: ClassVar[str] = ""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.message.format(limit=getattr(settings, self.limit_setting)))


class RequestTooLarge(RequestLimitExceeded):
    status_code, code = 413, "request_too_large"
    limit_setting, message = (
        "DATA_UPLOAD_MAX_MEMORY_SIZE",
        "The request body is larger than the limit of {limit} bytes.",
    )


class TooManyFields(RequestLimitExceeded):
    status_code, code = 400, "too_many_fields"
    limit_setting, message = "DATA_UPLOAD_MAX_NUMBER_FIELDS", "The form has more than {limit} fields."


class TooManyFiles(RequestLimitExceeded):
    status_code, code = 400, "too_many_files"
    limit_setting, message = "DATA_UPLOAD_MAX_NUMBER_FILES", "The form has more than {limit} files."


def request_error(exception: BaseException) -> HttpError | None:
    """The error for a request that breaks one of Django's limits on a body (raised where the
    body is read: by DRF's parsers in a view, by a form or the CSRF check elsewhere)."""
    if isinstance(exception, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exception, TooManyFieldsSent):
        return TooManyFields()
    if isinstance(exception, TooManyFilesSent):
        return TooManyFiles()
    return None


def declared_errors(base: type[DeclaredError] = DeclaredError) -> list[type[DeclaredError]]:
    """Every error class below `base` that declares a code of its own (an abstract base such as
    `HttpError`, or `StoredError` whose code is the stored one, declares none)."""
    found = []
    for error in base.__subclasses__():
        if "code" in vars(error) and error not in (DomainError, HttpError):
            found.append(error)
        found += declared_errors(error)
    return found
