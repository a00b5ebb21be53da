"""JSON replacements for Django's HTML 400/404/500 pages, so API clients always get the error shape."""

from django.http import HttpRequest, JsonResponse

from config.errors import BadRequest, NotFound, ServerError, request_error


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """A request Django refused outside the API's views: a body over a limit (its own status and
    code, 413 for one too large), a disallowed Host, any other `SuspiciousOperation`."""
    error = (request_error(exception) if exception is not None else None) or BadRequest()
    return JsonResponse(error.body(), status=error.status_code)


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(NotFound().body(), status=NotFound.status_code)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(ServerError().body(), status=ServerError.status_code)
