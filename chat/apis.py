from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from rest_framework import status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from accounts.permissions import OwnerApi, authenticated_user
from chat import schema, selectors
from chat.conversations import delete_conversation, rename_conversation, stop_running_turn
from chat.models import Conversation, Message
from chat.renderers import ChatBrowsableAPIRenderer
from chat.serializers import (
    ChatFormSerializer,
    ChatRequestSerializer,
    ChatResponseSerializer,
    ConversationDetailSerializer,
    ConversationRenameSerializer,
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

CHAT_FORM_DETAIL = (
    "POST a message here to talk to the assistant: a message alone starts a new conversation; "
    "add a conversation_id to continue one. Send Accept: text/event-stream to stream the reply."
)


class ChatApi(OwnerApi, AsyncApiView):
    """Send a message to the assistant. Omit `conversation_id` to start a new conversation.

    With `Accept: text/event-stream` the turn streams as Server-Sent Events in the Vercel AI SDK
    UI message stream protocol (v1); JSON is the default."""

    throttle_classes = [ChatRateThrottle]
    # The browsable API's forms continue the conversation a message went to.
    renderer_classes = [JSONRenderer, ChatBrowsableAPIRenderer, EventStreamRenderer]
    serializer_class = ChatRequestSerializer

    def get_throttles(self) -> list[BaseThrottle]:
        # Only a message counts against the chat rate; reading how to send one costs nothing.
        return super().get_throttles() if self.request.method == "POST" else []

    @schema.chat_get
    async def get(self, request: Request, user_id: UUID) -> Response:
        """How to use this endpoint, and the caller's latest conversation to continue (so the
        browsable API shows its form under a description, not under an error)."""
        latest = await in_database(selectors.latest_conversation_id, owner=authenticated_user(request))
        return Response(ChatFormSerializer({"detail": CHAT_FORM_DETAIL, "conversation_id": latest}).data)

    @schema.chat_post
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


class ConversationListApi(OwnerApi, ListAPIView):
    """The caller's conversations, most recent activity first, paginated as every list is
    (`?page=`, `?page_size=` up to 100)."""

    serializer_class = ConversationSerializer
    pagination_class = PageSizePagination

    def get_queryset(self) -> QuerySet[Conversation]:
        return selectors.conversations_for(owner=authenticated_user(self.request))


class ConversationDetailApi(OwnerApi, GenericAPIView):
    serializer_class = ConversationDetailSerializer

    def get(self, request: Request, user_id: UUID, conversation_id: UUID) -> Response:
        """The conversation; its messages are at `messages_url`, a page at a time."""
        conversation = selectors.get_conversation(owner=authenticated_user(request), conversation_id=conversation_id)
        return Response(self.get_serializer(conversation).data)

    @schema.conversation_rename
    def patch(self, request: Request, user_id: UUID, conversation_id: UUID) -> Response:
        """Rename the conversation: `{"title": "..."}`."""
        data = ConversationRenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = rename_conversation(
            owner=authenticated_user(request), conversation_id=conversation_id, title=data.validated_data["title"]
        )
        return Response(self.get_serializer(conversation).data)

    @schema.conversation_delete
    def delete(self, request: Request, user_id: UUID, conversation_id: UUID) -> Response:
        delete_conversation(owner=authenticated_user(request), conversation_id=conversation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversationUndoApi(OwnerApi, GenericAPIView):
    """Undo the task changes of the conversation's last turn that made any (and is not undone
    yet): each task goes back to how it was before that turn, a deleted task comes back with its
    number. Refused (409, nothing changed) when one of those tasks has changed since."""

    serializer_class = UndoResultSerializer

    @schema.undo_post
    def post(self, request: Request, user_id: UUID, conversation_id: UUID) -> Response:
        undone = undo_conversation_turn(owner=authenticated_user(request), conversation_id=conversation_id)
        data = {"undone": [{"action": action, "task": task} for action, task in undone]}
        return Response(UndoResultSerializer(data).data)


class ConversationStopApi(OwnerApi):
    """Stop the conversation's running turn after its current step: no tool is left half-run,
    every completed step is kept, and the turn ends with the reply "Stopped." (its response or
    stream finishes with it) and the status `stopped`. The stop is stored, so it reaches the
    turn whichever instance runs it. 409 when no turn of the conversation is running."""

    @schema.stop_post
    def post(self, request: Request, user_id: UUID, conversation_id: UUID) -> Response:
        stop_running_turn(owner=authenticated_user(request), conversation_id=conversation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversationMessageListApi(OwnerApi, ListAPIView):
    """The conversation's messages, oldest first, paginated (`?page=`, `?page_size=` up to 100);
    `position` counts from 0 over the whole conversation. The last page is the latest."""

    serializer_class = MessageSerializer
    pagination_class = PageSizePagination

    def get_queryset(self) -> QuerySet[Message]:
        return selectors.conversation_messages(
            owner=authenticated_user(self.request), conversation_id=self.kwargs["conversation_id"]
        )
