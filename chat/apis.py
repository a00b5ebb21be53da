from uuid import UUID

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import IsPathUser, authenticated_user
from chat import selectors
from chat.conversations import delete_conversation
from chat.idempotency import IDEMPOTENCY_KEY, IdempotencyKeyReused, RequestInProgress, run_turn_once
from chat.models import Conversation
from chat.serializers import (
    ChatProviderErrorSerializer,
    ChatRequestSerializer,
    ChatResponseSerializer,
    ConversationDetailSerializer,
    ConversationSerializer,
)
from chat.throttles import ChatRateThrottle
from chat.turns import run_turn
from config.schema import error_response


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
                {"type": "string", "pattern": IDEMPOTENCY_KEY.pattern},
                OpenApiParameter.HEADER,
                description="Retrying with the same key returns the first response and runs no tool again.",
            )
        ],
        responses={
            200: ChatResponseSerializer,
            502: OpenApiResponse(ChatProviderErrorSerializer, description="The model provider returned an error."),
            503: OpenApiResponse(
                ChatProviderErrorSerializer, description="The model provider is unreachable or rate-limited."
            ),
            504: OpenApiResponse(ChatProviderErrorSerializer, description="The model provider timed out."),
            409: error_response(RequestInProgress, "Same Idempotency-Key still in progress."),
            422: error_response(IdempotencyKeyReused, "Idempotency-Key used for another request."),
        },
    )
    def post(self, request: Request, user_id: UUID) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key")
        if key is None:
            turn = run_turn(owner=authenticated_user(request), **serializer.validated_data)
        else:
            turn = run_turn_once(owner=authenticated_user(request), key=key, **serializer.validated_data)
        return Response(ChatResponseSerializer(turn).data)


class ConversationListApi(ListAPIView):
    """The caller's conversations, most recent activity first, paginated."""

    permission_classes = [IsAuthenticated, IsPathUser]
    serializer_class = ConversationSerializer

    def get_queryset(self) -> QuerySet[Conversation]:
        return selectors.conversations_for(owner=authenticated_user(self.request))


class ConversationDetailApi(GenericAPIView):
    permission_classes = [IsAuthenticated, IsPathUser]
    serializer_class = ConversationDetailSerializer

    def get(self, request: Request, user_id: UUID, conversation_id: UUID) -> Response:
        conversation = selectors.get_conversation(
            owner=authenticated_user(request), conversation_id=conversation_id, with_messages=True
        )
        return Response(self.get_serializer(conversation).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, user_id: UUID, conversation_id: UUID) -> Response:
        delete_conversation(owner=authenticated_user(request), conversation_id=conversation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
