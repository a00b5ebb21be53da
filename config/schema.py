"""The OpenAPI schema: drf-spectacular's, plus the error responses every endpoint can give.

Errors use DRF's JSON shape, `{"detail": "..."}` or `{"field": ["..."]}`, documented here
once instead of on every view.
"""

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

ERRORS = {
    "400": "Invalid input: a message or field errors.",
    "401": "Authentication credentials were not provided or are invalid.",
    "403": "The path's user is not the caller.",
    "404": "Not found.",
    "415": "Unsupported media type.",
    "429": "Too many requests; see Retry-After.",
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                error = OpenApiResponse(OpenApiTypes.OBJECT, description=ERRORS[code])
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        return responses

    def _error_codes(self) -> list[str]:
        codes = ["400"]
        if not any(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")
        if self.view.get_throttles():
            codes.append("429")
        return codes
