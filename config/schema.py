"""The OpenAPI schema: drf-spectacular's, plus the error responses every endpoint can give.

Every error body is `{"detail": "...", "code": "..."}` (field errors keep DRF's shape,
`{"field": ["..."]}`); each documented error response lists the codes its status can carry,
gathered from the declared errors (`config.errors.declared_errors`) and DRF's own.
"""

from functools import cache
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from config.errors import DeclaredError, declared_errors

# The codes DRF and simplejwt give their own errors, by status (field errors carry none).
FRAMEWORK_CODES: dict[int, tuple[str, ...]] = {
    400: ("parse_error",),
    401: (
        "not_authenticated",
        "authentication_failed",
        # simplejwt: a bad or expired token, a bad header, a login that fails, a token's user
        "token_not_valid",
        "bad_authorization_header",
        "no_active_account",
        "user_not_found",
        "user_inactive",
        "password_changed",
    ),
    403: ("permission_denied",),
    404: ("not_found",),
    405: ("method_not_allowed",),
    406: ("not_acceptable",),
    415: ("unsupported_media_type",),
    429: ("throttled",),
}

ERRORS = {
    "400": "Invalid input: field errors `{\"field\": [\"...\"]}`, or `{\"detail\", \"code\"}`.",
    "401": "Authentication credentials were not provided or are invalid.",
    "403": "The path's user is not the caller.",
    "404": "Not found.",
    "413": "The request body is larger than the limit (`DATA_UPLOAD_MAX_MEMORY_SIZE`).",
    "415": "Unsupported media type.",
    "429": "Too many requests; see Retry-After.",
}


def codes_of(base: type[DeclaredError]) -> tuple[str, ...]:
    """The codes of `base` and of every error derived from it, sorted."""
    return tuple(sorted({error.code for error in [base, *declared_errors(base)]}))


def error_codes(status: int) -> list[str]:
    """Every code an error response with this status can carry, sorted."""
    codes = set(FRAMEWORK_CODES.get(status, ()))
    codes |= {error.code for error in declared_errors() if error.status_code == status}
    return sorted(codes)


@cache
def error_serializer(name: str, codes: tuple[str, ...], *, with_conversation: bool = False) -> type:
    """An error body serializer (component `name`) whose `code` is one of `codes`."""

    @extend_schema_field({"type": "string", "enum": list(codes), "description": "Stable; branch on this."})
    class CodeField(serializers.CharField):
        pass

    fields: dict[str, Any] = {"detail": serializers.CharField(help_text="For people; may change."), "code": CodeField()}
    if with_conversation:
        fields["conversation_id"] = serializers.UUIDField(
            help_text="The conversation the turn belongs to: what it did before the failure is stored there."
        )
    return type(name, (serializers.Serializer,), {**fields, "__module__": __name__})


def error_response(error: type[DeclaredError], description: str) -> OpenApiResponse:
    """The documented response for one domain error."""
    return OpenApiResponse(error_serializer(f"{error.__name__}Error", (error.code,)), description=description)


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            if status not in responses:
                codes = tuple(error_codes(int(status)))
                body = OpenApiTypes.OBJECT if status == "400" else error_serializer(f"Error{status}", codes)
                error = OpenApiResponse(body, description=ERRORS[status])
                responses[status] = self._get_response_for_code(error, status, direction=direction)
        return responses

    def _error_statuses(self) -> list[str]:
        statuses = ["400"]
        if not any(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            statuses += ["401", "403"]
        if "{" in self.path:
            statuses.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            statuses += ["413", "415"]
        if self.view.get_throttles():
            statuses.append("429")
        return statuses
