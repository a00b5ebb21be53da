"""The UI message stream encoder: a turn's events as the AI SDK's chunks, one SSE event each,
text blocks opened and closed around other events, a failure told before the stream ends,
`[DONE]` last. (The SDK's own client reads it in `test_stream_ai_sdk.py`.)"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

from chat.agent.events import (
    Event,
    StepFinished,
    StepStarted,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnFailed,
    TurnStarted,
    told_again,
)
from chat.agent.messages import Usage, parse_result
from chat.tests.helpers import chunk_types as types
from chat.tests.helpers import parse_sse, turn_finished
from chat.ui_message_stream import DONE, HEADERS, aencode, encode, encode_chunk

CONVERSATION = uuid.UUID("6f1c1a8e-3c1e-4a51-9a55-0d5b1e6a2b10")
ADDED = {"success": True, "task": {"id": 1, "title": "Buy milk", "description": "", "completed": False}}
NOT_FOUND = {"success": False, "error": "Task 7 not found.", "code": "task_not_found", "task_id": 7}


def chunks_of(events: Iterable[Event]) -> list[Any]:
    return parse_sse(b"".join(encode(events)))


def added_turn() -> list:
    return [
        TurnStarted(conversation_id=CONVERSATION, turn_id=4),
        StepStarted(),
        ToolCallStarted(call_id="call_1", tool_name="add_task", arguments={"title": "Buy milk"}),
        ToolCallFinished(call_id="call_1", tool_name="add_task", result=parse_result(ADDED)),
        StepFinished(),
        StepStarted(),
        TextDelta("Added task 1 "),
        TextDelta("“Buy milk”."),
        StepFinished(),
        turn_finished(
            conversation_id=CONVERSATION,
            reply="Added task 1 “Buy milk”.",
            tool_calls=[{"tool_name": "add_task", "arguments": {"title": "Buy milk"}, "result": ADDED}],
            usage=Usage(prompt_tokens=120, completion_tokens=30, total_tokens=150),
        ),
    ]


def test_headers_are_the_sdks() -> None:
    assert HEADERS == {
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-cache",
        "X-Vercel-AI-UI-Message-Stream": "v1",
        "X-Accel-Buffering": "no",
    }


def test_a_turn_with_a_tool_call_and_a_reply() -> None:
    chunks = chunks_of(added_turn())

    assert chunks == [
        {"type": "start", "messageMetadata": {"conversation_id": str(CONVERSATION), "turn_id": 4}},
        {"type": "start-step"},
        {"type": "tool-input-start", "toolCallId": "call_1", "toolName": "add_task"},
        {
            "type": "tool-input-available",
            "toolCallId": "call_1",
            "toolName": "add_task",
            "input": {"title": "Buy milk"},
        },
        {"type": "tool-output-available", "toolCallId": "call_1", "output": ADDED},
        {"type": "finish-step"},
        {"type": "start-step"},
        {"type": "text-start", "id": "text-1"},
        {"type": "text-delta", "id": "text-1", "delta": "Added task 1 "},
        {"type": "text-delta", "id": "text-1", "delta": "“Buy milk”."},
        {"type": "text-end", "id": "text-1"},
        {"type": "finish-step"},
        {
            "type": "finish",
            "finishReason": "stop",
            "messageMetadata": {
                "conversation_id": str(CONVERSATION),
                "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
            },
        },
        "[DONE]",
    ]


def test_each_run_of_text_is_its_own_block_closed_before_the_next_event() -> None:
    chunks = chunks_of(
        [
            TurnStarted(conversation_id=CONVERSATION, turn_id=1),
            StepStarted(),
            TextDelta("Let me check."),
            ToolCallStarted(call_id="c1", tool_name="list_tasks", arguments={}),
            TextDelta(""),  # nothing to tell: no block
            TextDelta("One more."),
            StepFinished(),
            StepStarted(),
            TextDelta("Done."),
            turn_finished(conversation_id=CONVERSATION, reply="Done.", tool_calls=[]),
        ]
    )

    texts = [chunk for chunk in chunks if isinstance(chunk, dict) and chunk["type"].startswith("text-")]
    assert [(chunk["type"], chunk["id"]) for chunk in texts] == [
        ("text-start", "text-1"),
        ("text-delta", "text-1"),
        ("text-end", "text-1"),
        ("text-start", "text-2"),
        ("text-delta", "text-2"),
        ("text-end", "text-2"),
        ("text-start", "text-3"),
        ("text-delta", "text-3"),
        ("text-end", "text-3"),
    ]
    assert types(chunks)[2:6] == ["text-start", "text-delta", "text-end", "tool-input-start"]
    # the last block is closed before the finish, not after it
    assert types(chunks)[-3:] == ["text-end", "finish", "[DONE]"]


def test_a_failed_tool_result_is_an_output_the_model_read() -> None:
    chunks = chunks_of(
        [
            TurnStarted(conversation_id=CONVERSATION, turn_id=1),
            StepStarted(),
            ToolCallStarted(call_id="c1", tool_name="complete_task", arguments={"task_id": 7}),
            ToolCallFinished(call_id="c1", tool_name="complete_task", result=parse_result(NOT_FOUND)),
        ]
    )

    assert {"type": "tool-output-available", "toolCallId": "c1", "output": NOT_FOUND} in chunks
    assert "tool-output-error" not in types(chunks)


def test_a_failed_turn_tells_its_error_body_then_the_error_then_finishes() -> None:
    body = {"detail": "The model provider timed out.", "code": "model_timeout", "conversation_id": str(CONVERSATION)}
    chunks = chunks_of(
        [
            TurnStarted(conversation_id=CONVERSATION, turn_id=2),
            StepStarted(),
            TextDelta("Work"),
            TurnFailed(status_code=504, body=body),
        ]
    )

    assert types(chunks) == ["start", "start-step", "text-start", "text-delta", "text-end"] + [
        "message-metadata",
        "error",
        "finish",
        "[DONE]",
    ]
    assert chunks[-4:-1] == [
        {
            "type": "message-metadata",
            "messageMetadata": {"error": {"status": 504, **body}, "conversation_id": str(CONVERSATION)},
        },
        {"type": "error", "errorText": "The model provider timed out."},
        {"type": "finish", "finishReason": "error"},
    ]


def test_a_turn_that_fails_before_it_starts_still_starts_the_message() -> None:
    chunks = chunks_of([TurnFailed(status_code=503, body={"detail": "Try again later.", "code": "unavailable"})])

    assert types(chunks) == ["start", "message-metadata", "error", "finish", "[DONE]"]
    assert chunks[1] == {
        "type": "message-metadata",
        "messageMetadata": {"error": {"status": 503, "detail": "Try again later.", "code": "unavailable"}},
    }


def test_a_turn_answered_from_its_record_tells_its_calls_then_its_reply() -> None:
    finished = added_turn()[-1]
    stored = told_again(tool_runs=finished.result.tool_runs, reply=finished.result.reply)
    chunks = chunks_of([TurnStarted(conversation_id=CONVERSATION, turn_id=4), *stored, finished])

    assert types(chunks) == [
        "start",
        "start-step",
        "tool-input-start",
        "tool-input-available",
        "tool-output-available",
        "finish-step",
        "start-step",
        "text-start",
        "text-delta",
        "text-end",
        "finish-step",
        "finish",
        "[DONE]",
    ]
    assert chunks[3]["input"] == {"title": "Buy milk"} and chunks[4]["output"] == ADDED
    assert chunks[3]["toolCallId"] == chunks[4]["toolCallId"]
    assert chunks[8]["delta"] == "Added task 1 “Buy milk”."


def test_a_reply_no_delta_told_goes_as_one_text_block() -> None:
    finished = added_turn()[-1]
    chunks = chunks_of([TurnStarted(conversation_id=CONVERSATION, turn_id=4), finished])

    assert types(chunks) == ["start", "text-start", "text-delta", "text-end", "finish", "[DONE]"]


def test_a_stream_cut_off_mid_text_closes_its_block_and_ends() -> None:
    chunks = chunks_of([TurnStarted(conversation_id=CONVERSATION, turn_id=1), StepStarted(), TextDelta("Hal")])

    assert types(chunks) == ["start", "start-step", "text-start", "text-delta", "text-end", "[DONE]"]


def test_each_chunk_is_one_compact_data_line_and_done_is_last() -> None:
    text = "line one\nline two\r\n“quoted” \u2028 émoji 🥛"
    encoded = encode_chunk({"type": "text-delta", "id": "text-1", "delta": text})

    assert (
        encoded
        == (
            'data: {"type":"text-delta","id":"text-1","delta":"line one\\nline two\\r\\n“quoted” \u2028 émoji 🥛"}\n\n'
        ).encode()
    )
    assert parse_sse(encoded) == [{"type": "text-delta", "id": "text-1", "delta": text}]
    assert list(encode([]))[-1] == DONE == b"data: [DONE]\n\n"


def test_a_lone_surrogate_cannot_break_the_stream() -> None:
    assert encode_chunk({"type": "text-delta", "id": "t", "delta": "a\ud800b"}) == (
        b'data: {"type":"text-delta","id":"t","delta":"a?b"}\n\n'
    )


def test_the_async_encoder_sends_the_same_bytes() -> None:
    async def events() -> AsyncIterator[Event]:
        for event in added_turn():
            yield event

    async def collect() -> list[bytes]:
        return [piece async for piece in aencode(events())]

    assert asyncio.run(collect()) == list(encode(added_turn()))
