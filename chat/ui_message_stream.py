"""A turn's events as the Vercel AI SDK's UI message stream (protocol v1): Server-Sent Events,
one `data: {json}` line per chunk, ending with `data: [DONE]`.

The SDK's client (`DefaultChatTransport`, `useChat`, `readUIMessageStream`) validates every
chunk against its schema (`uiMessageChunkSchema` in the `ai` package, checked against 6.0.325 by
`chat/tests/test_stream_ai_sdk.py`) and folds them into one assistant message: a `step-start`
part per step, a `text` part per text block, a `tool-<name>` part per tool call.

How the events map:

- `TurnStarted`: `start`, its metadata `{conversation_id, turn_id}`.
- `StepStarted` / `StepFinished`: `start-step` / `finish-step`.
- A run of `TextDelta`: `text-start`, `text-delta`..., `text-end` before the next other event.
- `ToolCallStarted`: `tool-input-start` and `tool-input-available` (input: the arguments).
- `ToolCallFinished`: `tool-output-available` (output: the result), failed results too. A
  failed result (`success: false`, with its `code`) is what the tool answered and the model
  read, not a tool that crashed (tools never raise into the loop); `tool-output-error` would
  keep only an error text and drop the result's code and fields.
- `TurnFinished`: `finish` (reason `stop`), its metadata `{conversation_id, usage}`.
- `TurnFailed`: `message-metadata` `{conversation_id?, error: {status, ...body}}`, then `error`
  (`errorText`: the body's `detail`), then `finish` (reason `error`). The metadata comes
  first because `useChat` stops reading at an `error` chunk (it throws it as the chat's error).

Metadata uses the JSON API's names (`conversation_id`, `prompt_tokens`), as the chat response
does: it is this application's data; only the chunks' own fields are the SDK's (camelCase).
The SDK merges the metadata of `start`, `message-metadata` and `finish` into one object.
"""

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

from chat.agent.events import (
    Event,
    StepFinished,
    StepStarted,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnFailed,
    TurnFinished,
    TurnStarted,
)
from chat.agent.messages import result_json

Chunk = dict[str, object]

# The headers of the SDK's own `createUIMessageStreamResponse`; its client reads the stream
# whatever they are (it only needs a 2xx status), proxies and other clients need them.
HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "X-Vercel-AI-UI-Message-Stream": "v1",
    "X-Accel-Buffering": "no",  # nginx: pass each event on as it comes
}

DONE = b"data: [DONE]\n\n"


def encode_chunk(chunk: Chunk) -> bytes:
    """One chunk as one SSE event. JSON escapes every line break, so it stays on one `data:`
    line; text the model sent with a lone surrogate (not UTF-8) gets a `?` in its place."""
    data = json.dumps(chunk, ensure_ascii=False, separators=(",", ":"), default=str)  # str: a UUID
    return f"data: {data}\n\n".encode(errors="replace")


class ChunkMapper:
    """The chunks for one turn's events, in order: `chunks(event)` for each, then `end()`.
    Holds what the mapping needs across events: whether `start` went out, the open text block."""

    def __init__(self) -> None:
        self.started = False
        self.text_blocks = 0
        self.open_text: str | None = None  # the id of the text block being streamed

    def chunks(self, event: Event) -> list[Chunk]:
        out: list[Chunk] = []
        if not self.started:
            self.started = True
            if not isinstance(event, TurnStarted):
                out.append({"type": "start"})
        if not isinstance(event, TextDelta):
            out += self._close_text()
        match event:
            case TurnStarted(conversation_id=conversation_id, turn_id=turn_id):
                out.append(
                    {"type": "start", "messageMetadata": {"conversation_id": str(conversation_id), "turn_id": turn_id}}
                )
            case StepStarted():
                out.append({"type": "start-step"})
            case TextDelta(text=text):
                out += self._text(text)
            case ToolCallStarted(call_id=call_id, tool_name=tool_name, arguments=arguments):
                out += _tool_input(call_id, tool_name, arguments)
            case ToolCallFinished(call_id=call_id, result=result):
                out.append({"type": "tool-output-available", "toolCallId": call_id, "output": result_json(result)})
            case StepFinished():
                out.append({"type": "finish-step"})
            case TurnFinished(result=result):
                out += self._untold(event)
                done = {"conversation_id": str(result.conversation_id), "usage": result.usage.as_dict()}
                out.append({"type": "finish", "finishReason": "stop", "messageMetadata": done})
            case TurnFailed(status_code=status_code, body=body):
                failed: Chunk = {"error": {"status": status_code, **body}}
                if body.get("conversation_id") is not None:
                    failed["conversation_id"] = str(body["conversation_id"])
                out.append({"type": "message-metadata", "messageMetadata": failed})
                out.append({"type": "error", "errorText": str(body.get("detail") or body.get("code") or "error")})
                out.append({"type": "finish", "finishReason": "error"})
        return out

    def end(self) -> list[Chunk]:
        """What closes the stream after the last event (a text block a cut-off turn left open)."""
        return self._close_text()

    def _text(self, text: str) -> list[Chunk]:
        if not text:
            return []  # an empty piece would open an empty text part
        out: list[Chunk] = []
        if self.open_text is None:
            self.text_blocks += 1
            self.open_text = f"text-{self.text_blocks}"
            out.append({"type": "text-start", "id": self.open_text})
        out.append({"type": "text-delta", "id": self.open_text, "delta": text})
        return out

    def _close_text(self) -> list[Chunk]:
        if self.open_text is None:
            return []
        chunk: Chunk = {"type": "text-end", "id": self.open_text}
        self.open_text = None
        return [chunk]

    def _untold(self, finished: TurnFinished) -> list[Chunk]:
        """A reply no `TextDelta` told (events that carry none) goes as one text block."""
        if self.text_blocks or not finished.result.reply:
            return []
        return [*self._text(finished.result.reply), *self._close_text()]


def _tool_input(call_id: str, tool_name: str, arguments: Mapping[str, Any]) -> list[Chunk]:
    # The arguments come complete, so no `tool-input-delta`: the start makes the part, the
    # input fills it.
    return [
        {"type": "tool-input-start", "toolCallId": call_id, "toolName": tool_name},
        {"type": "tool-input-available", "toolCallId": call_id, "toolName": tool_name, "input": dict(arguments)},
    ]


def encode(events: Iterable[Event]) -> Iterator[bytes]:
    """The stream of a turn's events, for a `StreamingHttpResponse` under WSGI (which would
    read an async iterator to its end before sending anything)."""
    mapper = ChunkMapper()
    for event in events:
        for chunk in mapper.chunks(event):
            yield encode_chunk(chunk)
    for chunk in mapper.end():
        yield encode_chunk(chunk)
    yield DONE


async def aencode(events: AsyncIterable[Event]) -> AsyncIterator[bytes]:
    """`encode` for an async iterator of events (under ASGI)."""
    mapper = ChunkMapper()
    async for event in events:
        for chunk in mapper.chunks(event):
            yield encode_chunk(chunk)
    for chunk in mapper.end():
        yield encode_chunk(chunk)
    yield DONE
