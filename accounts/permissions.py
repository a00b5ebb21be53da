from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class IsPathUser(BasePermission):
    """The `<user_id>` in the URL must be the authenticated caller (else 403)."""

    message = "You may only access your own data."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.pk == view.kwargs.get("user_id"))
