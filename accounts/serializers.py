from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from accounts.models import PersonalAccessToken, User
from accounts.tokens import RefreshToken


class UserSerializer(serializers.ModelSerializer):
    # A plain string: an empty email ("none given") is not a valid `format: email` value.
    email = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ("id", "username", "email", "name", "time_zone")
        read_only_fields = fields


# The service checks the name (a 400 `invalid_time_zone`); the serializers only its type.
TIME_ZONE_HELP = (
    "An IANA time zone name such as Europe/Berlin (default UTC): the user's today, and what their tasks' "
    "due dates and times mean."
)


class RegisterSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    time_zone = serializers.CharField(required=False, help_text=TIME_ZONE_HELP)

    class Meta:
        model = User
        fields = ("username", "password", "email", "name", "time_zone")
        extra_kwargs = {"email": {"required": False}, "name": {"required": False}}

    def validate(self, attrs: dict) -> dict:
        candidate = User(username=attrs["username"], email=attrs.get("email", ""), name=attrs.get("name", ""))
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs


class MeUpdateSerializer(serializers.Serializer):
    time_zone = serializers.CharField(required=False, help_text=TIME_ZONE_HELP)


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """simplejwt's, with the claims of the refresh token checked (`accounts.tokens`) and a token
    whose user has been deleted refused as a 401 `user_not_found`, as an access token is."""

    token_class = RefreshToken

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        try:
            return super().validate(attrs)
        except User.DoesNotExist as error:
            raise AuthenticationFailed(str(_("User not found")), code="user_not_found") from error


class AccessTokenSerializer(serializers.ModelSerializer):
    """A personal access token as listed: never its value."""

    class Meta:
        model = PersonalAccessToken
        fields = ("id", "name", "created_at", "last_used_at")
        read_only_fields = fields


class AccessTokenCreateSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonalAccessToken
        fields = ("name",)


class NewAccessTokenSerializer(serializers.Serializer):
    """A token just made: its value is in this response only."""

    id = serializers.IntegerField(source="token.id")
    name = serializers.CharField(source="token.name")
    token = serializers.CharField(source="value")
    created_at = serializers.DateTimeField(source="token.created_at")
