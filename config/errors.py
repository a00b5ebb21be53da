"""The domain error family. Services raise these; they never import DRF.

Each error carries the HTTP status and the stable, machine-readable `code` that one handler
(`config.exception_handler`) turns into the JSON error body `{"detail": "...", "code": "..."}`.
Field errors (a `detail` dict) keep DRF's shape, `{"field": ["message"]}`.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent


class DomainError(Exception):
    status_code: int = 400
    code: str = "error"
    default_detail: str = "The request could not be processed."

    def __init__(self, detail: str | dict[str, Any] | None = None) -> None:
        self.detail = detail if detail is not None else self.default_detail
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        """The JSON body of the error response: field errors as they are, else detail and code."""
        if isinstance(self.detail, dict):
            return self.detail
        return {"detail": self.detail, "code": self.code}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    default_detail = "Not found."


class InvalidInput(DomainError):
    """Bad input caught by a service; `detail` is a message or a dict of field errors."""

    status_code = 400
    code = "invalid"
    default_detail = "Invalid input."


class ServerError(DomainError):
    """An unexpected failure: the one body every 500 response carries."""

    status_code = 500
    code = "server_error"
    default_detail = "A server error occurred."


class BadRequest(DomainError):
    """A request Django refuses before any view reads it (a `SuspiciousOperation`, a bad Host)."""

    status_code = 400
    code = "bad_request"
    default_detail = "Bad request."


class RequestLimitExceeded(DomainError):
    """A request over one of Django's limits on a body; the message names the limit in force."""

    limit_setting = ""
    message = ""

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


def request_error(exception: BaseException) -> DomainError | None:
    """The error for a request that breaks one of Django's limits on a body (raised where the
    body is read: by DRF's parsers in a view, by a form or the CSRF check elsewhere)."""
    if isinstance(exception, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exception, TooManyFieldsSent):
        return TooManyFields()
    if isinstance(exception, TooManyFilesSent):
        return TooManyFiles()
    return None
