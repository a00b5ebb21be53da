from uuid import UUID

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from accounts.permissions import IsPathUser, authenticated_user
from chat import selectors
from chat.agent.tools import NothingToUndo
from chat.conversations import delete_conversation
from chat.idempotency import IDEMPOTENCY_KEY, IdempotencyKeyReused, RequestInProgress, run_turn_once
from chat.models import Conversation
from chat.serializers import (
    ChatProviderErrorSerializer,
    ChatRequestSerializer,
    ChatResponseSerializer,
    ChatUnavailableSerializer,
    ConversationDetailSerializer,
    ConversationSerializer,
    UndoResultSerializer,
)
from chat.throttles import ChatRateThrottle
from chat.turns import run_turn
from chat.undo import undo_conversation_turn
from config.schema import error_response, error_serializer
from todos.services import UndoConflict


class ChatFormSerializer(serializers.Serializer):
    """What `GET` on the chat endpoint says: how to use it, and where the caller left off."""

    detail = serializers.CharField()
    conversation_id = serializers.UUIDField(
        allow_null=True, help_text="The caller's most recently active conversation, or null when there is none."
    )


CHAT_FORM_DETAIL = (
    'POST a message here to talk to the assistant: {"message": "..."} starts a new conversation; '
    'add "conversation_id" to continue one.'
)


class ChatApi(GenericAPIView):
    """Send a message to the assistant. Omit `conversation_id` to start a new conversation."""

    permission_classes = [IsAuthenticated, IsPathUser]
    throttle_classes = [ChatRateThrottle]
    serializer_class = ChatRequestSerializer

    def get_throttles(self) -> list[BaseThrottle]:
        # Only a message counts against the chat rate; reading how to send one costs nothing.
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(responses=ChatFormSerializer)
    def get(self, request: Request, user_id: UUID) -> Response:
        """How to use this endpoint, and the caller's latest conversation to continue (so the
        browsable API shows its form under a description, not under an error)."""
        latest = selectors.conversations_for(owner=authenticated_user(request)).values_list("id", flat=True).first()
        return Response(ChatFormSerializer({"detail": CHAT_FORM_DETAIL, "conversation_id": latest}).data)

    @extend_schema(
        # JSON is the API; form data is accepted too, for the browsable API's form.
        request={"application/json": ChatRequestSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                {"type": "string", "pattern": IDEMPOTENCY_KEY.pattern},
                OpenApiParameter.HEADER,
                description=(
                    "Retrying with the same key returns the first response, or continues the first "
                    "request's turn if it was cut short; no tool call runs twice."
                ),
            )
        ],
        responses={
            200: ChatResponseSerializer,
            502: OpenApiResponse(ChatProviderErrorSerializer, description="The model provider returned an error."),
            503: OpenApiResponse(
                ChatUnavailableSerializer,
                description=(
                    "The model provider is unreachable or rate-limited, or the database is unavailable "
                    "(see Retry-After; `database_unavailable_may_have_run`: retry with the same Idempotency-Key)."
                ),
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


class ConversationUndoApi(GenericAPIView):
    """Undo the task changes of the conversation's last turn that made any (and is not undone
    yet): each task goes back to how it was before that turn, a deleted task comes back with its
    number. Refused (409, nothing changed) when one of those tasks has changed since."""

    permission_classes = [IsAuthenticated, IsPathUser]
    serializer_class = UndoResultSerializer

    @extend_schema(
        request=None,
        responses={
            200: UndoResultSerializer,
            409: OpenApiResponse(
                error_serializer("UndoRefused", (NothingToUndo.code, UndoConflict.code)),
                description="Nothing to undo, or a task changed since.",
            ),
        },
    )
    def post(self, request: Request, user_id: UUID, conversation_id: UUID) -> Response:
        undone = undo_conversation_turn(owner=authenticated_user(request), conversation_id=conversation_id)
        data = {"undone": [{"action": action, "task": task} for action, task in undone]}
        return Response(UndoResultSerializer(data).data)
