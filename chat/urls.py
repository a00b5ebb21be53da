from django.urls import path

from chat.apis import (
    ChatApi,
    ConversationDetailApi,
    ConversationListApi,
    ConversationMessageListApi,
    ConversationStopApi,
    ConversationUndoApi,
)

urlpatterns = [
    path("<uuid:user_id>/chat", ChatApi.as_view(), name="chat"),
    path("<uuid:user_id>/conversations", ConversationListApi.as_view(), name="conversation-list"),
    path(
        "<uuid:user_id>/conversations/<uuid:conversation_id>",
        ConversationDetailApi.as_view(),
        name="conversation-detail",
    ),
    path(
        "<uuid:user_id>/conversations/<uuid:conversation_id>/messages",
        ConversationMessageListApi.as_view(),
        name="conversation-messages",
    ),
    path(
        "<uuid:user_id>/conversations/<uuid:conversation_id>/undo",
        ConversationUndoApi.as_view(),
        name="conversation-undo",
    ),
    path(
        "<uuid:user_id>/conversations/<uuid:conversation_id>/stop",
        ConversationStopApi.as_view(),
        name="conversation-stop",
    ),
]
