"""The domain error family. Services raise these; they never import DRF.

Each error carries the HTTP status and the stable, machine-readable `code` that one handler
(`config.exception_handler`) turns into the JSON error body `{"detail": "...", "code": "..."}`.
Field errors (a `detail` dict) keep DRF's shape, `{"field": ["message"]}`.
"""

from typing import Any


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
