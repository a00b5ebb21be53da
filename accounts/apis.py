from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.permissions import authenticated_user
from accounts.serializers import MeUpdateSerializer, RegisterSerializer, TokenRefreshSerializer, UserSerializer
from accounts.services import register_user, update_profile
from accounts.throttles import AuthRateThrottle


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
