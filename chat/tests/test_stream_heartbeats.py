"""A quiet stream (the model thinking) sends SSE comments, so proxies keep its connection open;
a lively one sends none."""

import asyncio
from collections.abc import AsyncIterator

from asgiref.sync import async_to_sync

from chat.streaming import HEARTBEAT, with_heartbeats


async def chunks_after(*delays: float) -> AsyncIterator[bytes]:
    for number, delay in enumerate(delays):
        await asyncio.sleep(delay)
        yield f"data: {number}\n\n".encode()


def received(chunks: AsyncIterator[bytes], every: float) -> list[bytes]:
    async def read() -> list[bytes]:
        return [chunk async for chunk in with_heartbeats(chunks, every=every)]

    return async_to_sync(read)()


def test_a_silence_longer_than_the_interval_gets_comments_and_loses_nothing() -> None:
    out = received(chunks_after(0, 0.35, 0), every=0.1)

    data = [chunk for chunk in out if chunk != HEARTBEAT]
    assert data == [b"data: 0\n\n", b"data: 1\n\n", b"data: 2\n\n"]
    assert 2 <= out.count(HEARTBEAT) <= 4
    assert out.index(HEARTBEAT) > out.index(b"data: 0\n\n")


def test_a_lively_stream_gets_no_comments() -> None:
    assert HEARTBEAT not in received(chunks_after(0, 0.01, 0.01), every=0.5)


def test_a_comment_is_a_line_every_sse_client_ignores() -> None:
    assert HEARTBEAT.startswith(b":") and HEARTBEAT.endswith(b"\n\n")
