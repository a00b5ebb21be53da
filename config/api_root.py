"""The API root (`GET /api/`): the endpoints, with the caller's own id filled in.

For an anonymous caller it lists how to sign up and log in, and says so.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.models import User

# Plain words, no Markdown or quotes: the browsable API shows this inside a JSON string.
ANONYMOUS_DETAIL = (
    "Log in to see your own endpoints: POST your username and password to the token endpoint for a "
    "Bearer token, or log in through session_login in a browser; register creates an account."
)
USER_DETAIL = "Your endpoints. Task and chat URLs carry your user id; another user's id is refused."

# Named URL of every endpoint anyone may call, and of each one a logged-in caller has.
PUBLIC_ENDPOINTS = {
    "register": "register",
    "token": "token",
    "token_refresh": "token-refresh",
    "session_login": "rest_framework:login",
    "schema": "schema",
    "docs": "docs",
}
# DRF's session log-out answers a GET with 405 (Django's log-out is POST only): the link leads to
# the page whose button logs out.
USER_ENDPOINTS = {"me": "me", "session_logout": "logout"}
USER_PATH_ENDPOINTS = {"tasks": "task-list", "chat": "chat", "conversations": "conversation-list"}


class ApiRootSerializer(serializers.Serializer):
    user_id = serializers.UUIDField(allow_null=True, help_text="The caller's id, or null when not logged in.")
    detail = serializers.CharField()
    endpoints = serializers.DictField(child=serializers.URLField(), help_text="Each endpoint's URL, by name.")


def api_root(request: Request) -> dict[str, object]:
    user = request.user if isinstance(request.user, User) else None
    endpoints = {name: reverse(url_name, request=request) for name, url_name in PUBLIC_ENDPOINTS.items()}
    if user is None:
        return {"user_id": None, "detail": ANONYMOUS_DETAIL, "endpoints": endpoints}
    endpoints |= {name: reverse(url_name, request=request) for name, url_name in USER_ENDPOINTS.items()}
    endpoints |= {
        name: reverse(url_name, kwargs={"user_id": user.pk}, request=request)
        for name, url_name in USER_PATH_ENDPOINTS.items()
    }
    return {"user_id": user.pk, "detail": USER_DETAIL, "endpoints": endpoints}


class ApiRootApi(APIView):
    """The API's endpoints; logged in, the ones for your own tasks and chat with your id filled in."""

    name = "API root"  # the browsable API's heading and title (else "Api Root Api")
    permission_classes = [AllowAny]

    @extend_schema(responses=ApiRootSerializer)
    def get(self, request: Request) -> Response:
        return Response(ApiRootSerializer(api_root(request)).data)
