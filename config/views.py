"""JSON replacements for Django's HTML 400/404/500 pages, so API clients always get the error shape."""

from django.http import HttpRequest, JsonResponse

from config.errors import BadRequest, DeclaredError, NotFound, ServerError, request_error


def error_response(error: DeclaredError) -> JsonResponse:
    response = JsonResponse(error.body(), status=error.status_code)
    for header, value in error.headers().items():
        response[header] = value
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """A request Django refused outside the API's views: a body over a limit (its own status and
    code, 413 for one too large), a disallowed Host, any other `SuspiciousOperation`."""
    return error_response((request_error(exception) if exception is not None else None) or BadRequest())


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(NotFound())


def server_error(request: HttpRequest) -> JsonResponse:
    return error_response(ServerError())
