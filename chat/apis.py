from uuid import UUID

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import IsPathUser
from chat import selectors, services
from chat.models import Conversation
from chat.serializers import (
    ChatErrorSerializer,
    ChatRequestSerializer,
    ChatResponseSerializer,
    ConversationDetailSerializer,
    ConversationSerializer,
)
from chat.throttles import ChatRateThrottle


class ChatApi(GenericAPIView):
    """Send a message to the assistant. Omit `conversation_id` to start a new conversation."""

    permission_classes = [IsAuthenticated, IsPathUser]
    throttle_classes = [ChatRateThrottle]
    serializer_class = ChatRequestSerializer

    @extend_schema(
        # JSON is the API; form data is accepted too, for the browsable API's form.
        request={"application/json": ChatRequestSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                {"type": "string", "pattern": services.IDEMPOTENCY_KEY.pattern},
                OpenApiParameter.HEADER,
                description="Retrying with the same key returns the first response and runs no tool again.",
            )
        ],
        responses={
            200: ChatResponseSerializer,
            502: OpenApiResponse(ChatErrorSerializer, description="The model provider returned an error."),
            503: OpenApiResponse(ChatErrorSerializer, description="The model provider is unreachable or rate-limited."),
            504: OpenApiResponse(ChatErrorSerializer, description="The model provider timed out."),
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="Same Idempotency-Key still in progress."),
            422: OpenApiResponse(OpenApiTypes.OBJECT, description="Idempotency-Key used for another request."),
        },
    )
    def post(self, request: Request, user_id: UUID) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        status_code, body = services.respond_to_chat(
            owner=request.user,
            idempotency_key=request.headers.get("Idempotency-Key"),
            **serializer.validated_data,
        )
        return Response(body, status=status_code)


class ConversationListApi(ListAPIView):
    """The caller's conversations, most recent activity first, paginated."""

    permission_classes = [IsAuthenticated, IsPathUser]
    serializer_class = ConversationSerializer

    def get_queryset(self) -> QuerySet[Conversation]:
        return selectors.conversations_for(owner=self.request.user)


class ConversationDetailApi(GenericAPIView):
    permission_classes = [IsAuthenticated, IsPathUser]
    serializer_class = ConversationDetailSerializer

    def get(self, request: Request, user_id: UUID, conversation_id: UUID) -> Response:
        conversation = selectors.get_conversation(
            owner=request.user, conversation_id=conversation_id, with_messages=True
        )
        return Response(self.get_serializer(conversation).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, user_id: UUID, conversation_id: UUID) -> Response:
        services.delete_conversation(owner=request.user, conversation_id=conversation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
