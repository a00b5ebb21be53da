"""The one mapping from errors to HTTP responses, wrapping DRF's default handler.

Every error body carries a stable `code` beside `detail`. A declared error
(`config.errors.DeclaredError`: a domain error or an HTTP-only one) answers with what it
declares: its status, `body()` and `headers()`. DRF's own errors (401, 403, 404, 405, 415,
429, parse errors ...) get the code DRF gives them (`not_authenticated`, `throttled` ...).
Field errors keep DRF's shape, `{"field": ["message"]}`: a 400 body without `detail` is field
errors.

Two kinds of exception are first translated into the declared error they mean: a body over
Django's limits (size, number of fields), a `SuspiciousOperation` that Django would answer with
its HTML 400 page (`request_too_large`, `too_many_fields`), and a lost database connection
(`database_unavailable`, whose broken connection is closed so the next request reconnects).
"""

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DatabaseUnavailable, DeclaredError, request_error
from config.outages import close_broken_connections, is_database_outage


def declared(exc: Exception) -> Exception:
    """`exc`, or the declared error it stands for."""
    if is_database_outage(exc):
        close_broken_connections()
        return DatabaseUnavailable()
    return request_error(exc) or exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = declared(exc)
    if isinstance(exc, DeclaredError):
        return Response(exc.body(), status=exc.status_code, headers=exc.headers())
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        # DRF's `detail` is an ErrorDetail that knows its code; simplejwt's bodies already have one.
        response.data.setdefault("code", getattr(response.data["detail"], "code", None) or "error")
    return response
