"""The OpenAPI declarations of the chat endpoints that the serializers alone do not say: the
chat endpoint's content types, `Idempotency-Key` header and error responses, and the undo's
and the stop's refusals. `chat.apis` decorates its handlers with these."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from chat.errors import IdempotencyKeyReused, NothingRunning, NothingToUndo, RequestInProgress
from chat.idempotency import IDEMPOTENCY_KEY
from chat.serializers import (
    ChatFormSerializer,
    ChatProviderErrorSerializer,
    ChatRequestSerializer,
    ChatResponseSerializer,
    ChatUnavailableSerializer,
    ConversationDetailSerializer,
    ConversationRenameSerializer,
    UndoResultSerializer,
)
from config.schema import error_response, error_serializer
from todos.errors import UndoConflict

# One Server-Sent Event of the stream, as OpenAPI describes `text/event-stream` content.
UI_MESSAGE_STREAM_EVENT = {
    "type": "object",
    "properties": {"data": {"type": "string"}, "event": {"type": "string"}, "id": {"type": "string"}},
    "required": ["data"],
}

IDEMPOTENCY_KEY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "pattern": IDEMPOTENCY_KEY.pattern},
    OpenApiParameter.HEADER,
    description=(
        "Retrying with the same key returns the first response, or continues the first "
        "request's turn if it was cut short; no tool call runs twice."
    ),
)

chat_get = extend_schema(responses={(200, "application/json"): ChatFormSerializer})

chat_post = extend_schema(
    # JSON is the API; form data is accepted too, for the browsable API's form.
    request={"application/json": ChatRequestSerializer},
    parameters=[IDEMPOTENCY_KEY_HEADER],
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
        (422, "application/json"): error_response(IdempotencyKeyReused, "Idempotency-Key used for another request."),
    },
)

conversation_delete = extend_schema(responses={204: None})

conversation_rename = extend_schema(request=ConversationRenameSerializer, responses=ConversationDetailSerializer)

undo_post = extend_schema(
    request=None,
    responses={
        200: UndoResultSerializer,
        409: OpenApiResponse(
            error_serializer("UndoRefused", (NothingToUndo.code, UndoConflict.code)),
            description="Nothing to undo, or a task changed since.",
        ),
    },
)

stop_post = extend_schema(
    request=None,
    responses={
        204: OpenApiResponse(description="The running turn will stop after its current step."),
        409: error_response(NothingRunning, "No turn of the conversation is running."),
    },
)
