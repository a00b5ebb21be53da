"""How a REST request proves who makes it: `Authorization: Bearer <JWT>` (this service's access
token), `Authorization: Bearer tdo_...` (a personal access token, `accounts.access_tokens`), or
the browsable API's session.

JWT comes first in `DEFAULT_AUTHENTICATION_CLASSES`, so a request without credentials gets 401
with a Bearer challenge. It passes over a bearer token with the personal token prefix, which the
next class reads: each kind of token is read by one class only, and a bad one of either kind is
401 `token_not_valid`.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt import authentication as jwt

from accounts.access_tokens import InvalidAccessToken, authenticate_access_token, looks_like_access_token
from accounts.models import PersonalAccessToken, User


def bearer_token(request: Request) -> str | None:
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


class JWTAuthentication(jwt.JWTAuthentication):
    """simplejwt's, leaving personal access tokens to `AccessTokenAuthentication`."""

    def authenticate(self, request: Request) -> Any:
        token = bearer_token(request)
        if token is not None and looks_like_access_token(token):
            return None
        return super().authenticate(request)


class AccessTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, PersonalAccessToken] | None:
        value = bearer_token(request)
        if value is None or not looks_like_access_token(value):
            return None
        try:
            token = authenticate_access_token(value)
        except InvalidAccessToken:
            raise AuthenticationFailed(_("The access token is not valid."), code="token_not_valid") from None
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


# How the OpenAPI schema (drf-spectacular) names the two bearer schemes.


class JWTScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.JWTAuthentication"


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.AccessTokenAuthentication"
    name = "accessTokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "tdo_…",
            "description": "A personal access token (`POST /api/auth/tokens`).",
        }
