"""JSON replacements for Django's HTML 404/500 pages, so API clients always get DRF's shape."""

from django.http import HttpRequest, JsonResponse


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Not found."}, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "A server error occurred."}, status=500)
