from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import User


class IsPathUser(BasePermission):
    """The `<user_id>` in the URL must be the authenticated caller (else 403)."""

    message = "You may only access your own data."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.pk == view.kwargs.get("user_id"))


# Base for every `/api/<user_id>/...` view (tasks and chat alike): authenticated, and only the
# path's user. Combine it with DRF's generic views: `class X(OwnerApi, ListAPIView)`. (A comment,
# not a docstring: drf-spectacular would show a docstring as the description of every such view.)
class OwnerApi(APIView):
    permission_classes = [IsAuthenticated, IsPathUser]


def authenticated_user(request: Request) -> User:
    """The caller of a view that requires authentication, typed as a `User`.

    `request.user` is `User | AnonymousUser`; behind `IsAuthenticated` it is always a `User`,
    and this says so to the type checker (and answers 401 if a view forgot the permission)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
