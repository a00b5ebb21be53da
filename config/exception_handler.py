"""The one mapping from errors to HTTP responses, wrapping DRF's default handler.

Every error body carries a stable `code` beside `detail`: a domain error's own `code`, and for
DRF's errors (401, 403, 404, 405, 415, 429, parse errors ...) the code DRF gives the error
(`not_authenticated`, `throttled` ...). Field errors keep DRF's shape, `{"field": ["message"]}`:
a 400 body without `detail` is field errors.

A body over Django's limits (size, number of fields) raises a `SuspiciousOperation` where it is
read, which Django would answer with its HTML 400 page: it is mapped here to its own error
(`request_too_large`, `too_many_fields`), so it is JSON with DEBUG on too.
"""

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError, request_error
from config.outages import DatabaseUnavailable, close_broken_connections, is_database_outage


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = request_error(exc) or exc
    if is_database_outage(exc):
        close_broken_connections()
        exc = DatabaseUnavailable()
    if isinstance(exc, DatabaseUnavailable):
        return Response(exc.body(), status=exc.status_code, headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, DomainError):
        return Response(exc.body(), status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        # DRF's `detail` is an ErrorDetail that knows its code; simplejwt's bodies already have one.
        response.data.setdefault("code", getattr(response.data["detail"], "code", None) or "error")
    return response
