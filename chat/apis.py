from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from accounts.permissions import IsPathUser, authenticated_user
from chat import selectors
from chat.agent.tools import NothingToUndo
from chat.conversations import delete_conversation
from chat.idempotency import IDEMPOTENCY_KEY, IdempotencyKeyReused, RequestInProgress
from chat.models import Conversation, Message
from chat.renderers import ChatBrowsableAPIRenderer
from chat.serializers import (
    ChatProviderErrorSerializer,
    ChatRequestSerializer,
    ChatResponseSerializer,
    ChatUnavailableSerializer,
    ConversationDetailSerializer,
    ConversationSerializer,
    MessageSerializer,
    UndoResultSerializer,
)
from chat.services import turn_events
from chat.streaming import EventStreamRenderer, detached, event_stream_response
from chat.throttles import ChatRateThrottle
from chat.turns import collect
from chat.undo import undo_conversation_turn
from config.async_api import AsyncApiView
from config.database import in_database
from config.pagination import PageSizePagination
from config.schema import error_response, error_serializer
from todos.services import UndoConflict


class ChatFormSerializer(serializers.Serializer):
    """What `GET` on the chat endpoint says: how to use it, and where the caller left off."""

    detail = serializers.CharField()
    conversation_id = serializers.UUIDField(
        allow_null=True, help_text="The caller's most recently active conversation, or null when there is none."
    )


# One Server-Sent Event of the stream, as OpenAPI describes `text/event-stream` content.
UI_MESSAGE_STREAM_EVENT = {
    "type": "object",
    "properties": {"data": {"type": "string"}, "event": {"type": "string"}, "id": {"type": "string"}},
    "required": ["data"],
}

CHAT_FORM_DETAIL = (
    "POST a message here to talk to the assistant: a message alone starts a new conversation; "
    "add a conversation_id to continue one. Send Accept: text/event-stream to stream the reply."
)


class ChatApi(AsyncApiView):
    """Send a message to the assistant. Omit `conversation_id` to start a new conversation.

    With `Accept: text/event-stream` the turn streams as Server-Sent Events in the Vercel AI SDK
    UI message stream protocol (v1); JSON is the default."""

    permission_classes = [IsAuthenticated, IsPathUser]
    throttle_classes = [ChatRateThrottle]
    # The browsable API's forms continue the conversation a message went to.
    renderer_classes = [JSONRenderer, ChatBrowsableAPIRenderer, EventStreamRenderer]
    serializer_class = ChatRequestSerializer

    def get_throttles(self) -> list[BaseThrottle]:
        # Only a message counts against the chat rate; reading how to send one costs nothing.
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(responses={(200, "application/json"): ChatFormSerializer})
    async def get(self, request: Request, user_id: UUID) -> Response:
        """How to use this endpoint, and the caller's latest conversation to continue (so the
        browsable API shows its form under a description, not under an error)."""
        latest = await in_database(selectors.latest_conversation_id, owner=authenticated_user(request))
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
            (200, "application/json"): ChatResponseSerializer,
            (200, "text/event-stream"): OpenApiResponse(
                UI_MESSAGE_STREAM_EVENT,
                description=(
                    "With `Accept: text/event-stream`: the turn as Server-Sent Events, the Vercel AI SDK UI "
                    "message stream protocol v1 (header `x-vercel-ai-ui-message-stream: v1`); each event's "
                    "`data` is one chunk as JSON (`start`, `start-step`, `tool-input-available`, "
                    "`tool-output-available`, `text-delta`, `finish` ...), the last `[DONE]`."
                ),
            ),
            (502, "application/json"): OpenApiResponse(
                ChatProviderErrorSerializer, description="The model provider returned an error."
            ),
            (503, "application/json"): OpenApiResponse(
                ChatUnavailableSerializer,
                description=(
                    "The model provider is unreachable or rate-limited, or the database is unavailable "
                    "(see Retry-After; `database_unavailable_may_have_run`: retry with the same Idempotency-Key)."
                ),
            ),
            (504, "application/json"): OpenApiResponse(
                ChatProviderErrorSerializer, description="The model provider timed out."
            ),
            (409, "application/json"): error_response(RequestInProgress, "Same Idempotency-Key still in progress."),
            (422, "application/json"): error_response(
                IdempotencyKeyReused, "Idempotency-Key used for another request."
            ),
        },
    )
    async def post(self, request: Request, user_id: UUID) -> HttpResponseBase:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key")
        events = turn_events(owner=authenticated_user(request), key=key, **serializer.validated_data)
        if isinstance(request.accepted_renderer, EventStreamRenderer):
            return await event_stream_response(events)
        result = await collect(detached(events))
        return Response(ChatResponseSerializer(result).data)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), EventStreamRenderer
        ):
            # What is answered before a stream starts (an error, or GET) is JSON.
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


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
        """The conversation; its messages are at `messages_url`, a page at a time."""
        conversation = selectors.get_conversation(owner=authenticated_user(request), conversation_id=conversation_id)
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


class ConversationMessageListApi(ListAPIView):
    """The conversation's messages, oldest first, paginated (`?page=`, `?page_size=` up to 100);
    `position` counts from 0 over the whole conversation. The last page is the latest."""

    permission_classes = [IsAuthenticated, IsPathUser]
    serializer_class = MessageSerializer
    pagination_class = PageSizePagination

    def get_queryset(self) -> QuerySet[Message]:
        return selectors.conversation_messages(
            owner=authenticated_user(self.request), conversation_id=self.kwargs["conversation_id"]
        )
