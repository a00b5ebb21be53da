"""JSON replacements for Django's HTML 404/500 pages, so API clients always get the error shape."""

from django.http import HttpRequest, JsonResponse

from config.errors import NotFound, ServerError


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(NotFound().body(), status=NotFound.status_code)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(ServerError().body(), status=ServerError.status_code)
