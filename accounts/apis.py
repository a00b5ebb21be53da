from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.access_tokens import access_tokens_of, create_access_token, revoke_access_token
from accounts.models import PersonalAccessToken
from accounts.permissions import authenticated_user
from accounts.serializers import (
    AccessTokenCreateSerializer,
    AccessTokenSerializer,
    MeUpdateSerializer,
    NewAccessTokenSerializer,
    RegisterSerializer,
    TokenRefreshSerializer,
    UserSerializer,
)
from accounts.services import register_user, update_profile
from accounts.throttles import AuthRateThrottle
from config.pagination import PageSizePagination
from config.schema import error_codes, error_serializer


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRateThrottle]

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = register_user(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class MeApi(APIView):
    @extend_schema(responses=UserSerializer)
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(authenticated_user(request)).data)

    @extend_schema(request=MeUpdateSerializer, responses=UserSerializer)
    def patch(self, request: Request) -> Response:
        """Change the caller's settings: `time_zone`."""
        serializer = MeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = update_profile(user=authenticated_user(request), **serializer.validated_data)
        return Response(UserSerializer(user).data)


class TokenApi(TokenObtainPairView):
    throttle_classes = [AuthRateThrottle]


class TokenRefreshApi(TokenRefreshView):
    throttle_classes = [AuthRateThrottle]
    serializer_class = TokenRefreshSerializer


class AccessTokenListApi(GenericAPIView):
    """The caller's personal access tokens (without their values), and making a new one."""

    pagination_class = PageSizePagination

    def get_serializer_class(self) -> type[serializers.Serializer]:
        # The browsable API's form is the create form.
        return AccessTokenCreateSerializer if self.request.method == "POST" else AccessTokenSerializer

    def get_queryset(self) -> QuerySet[PersonalAccessToken]:
        return access_tokens_of(user=authenticated_user(self.request))

    @extend_schema(
        responses={
            200: AccessTokenSerializer(many=True),
            # The path names no object, so the schema does not add its 404: a page past the end.
            404: OpenApiResponse(error_serializer("Error404", tuple(error_codes(404))), description="No such page."),
        }
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AccessTokenSerializer(page, many=True).data)

    @extend_schema(request=AccessTokenCreateSerializer, responses={201: NewAccessTokenSerializer})
    def post(self, request: Request) -> Response:
        serializer = AccessTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = create_access_token(user=authenticated_user(request), **serializer.validated_data)
        return Response(NewAccessTokenSerializer(new).data, status=status.HTTP_201_CREATED)


class AccessTokenApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, token_id: int) -> Response:
        revoke_access_token(user=authenticated_user(request), token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
