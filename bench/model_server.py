"""A cheap scripted OpenAI-compatible server for the serving benchmarks (bench/serving.py).

One process, raw asyncio streams, HTTP/1.1 keep-alive: `POST /v1/chat/completions` answers
after `--delay` seconds, as one JSON `chat.completion`, or with `"stream": true` as
`chat.completion.chunk` server-sent events (tool-call deltas, text pieces, a final usage chunk
when `stream_options.include_usage`, then `data: [DONE]`). `GET /stats` returns counters.

Scripts: `tool` answers a user message with an `add_task` call and a tool result with a short
reply (two calls a turn); `reply` answers every call with "Noted." (one call a turn).

    python bench/model_server.py --port 18101 --delay 5 --script tool
"""

import argparse
import asyncio
import json
import resource
import signal
import socket
import time
from itertools import count
from typing import Any

_ids = count(1)
REPLY_TEXT = {"tool": "Done, I added it to your list.", "reply": "Noted."}
USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


class Stats:
    def __init__(self) -> None:
        self.requests = 0
        self.streamed = 0
        self.open_connections = 0
        self.max_open_connections = 0
        self.connections = 0


def answer_for(script: str, request: dict[str, Any]) -> tuple[str, list[dict[str, Any]] | None]:
    """(text, tool_calls) of the scripted answer to `request`."""
    messages = request.get("messages") or [{}]
    last = messages[-1]
    if script == "tool" and last.get("role") == "user":
        title = str(last.get("content") or "something")[-60:]
        call = {
            "id": f"call_{next(_ids)}",
            "type": "function",
            "function": {"name": "add_task", "arguments": json.dumps({"title": title, "description": None})},
        }
        return "", [call]
    return REPLY_TEXT[script], None


def completion_body(text: str, calls: list[dict[str, Any]] | None) -> bytes:
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    body = {
        "id": f"chatcmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "scripted",
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop", "logprobs": None}
        ],
        "usage": USAGE,
    }
    return json.dumps(body).encode()


def stream_events(text: str, calls: list[dict[str, Any]] | None, include_usage: bool) -> bytes:
    """The whole chunk stream as SSE bytes, as OpenAI sends it."""
    ident, created = f"chatcmpl-{next(_ids)}", int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
        choices = [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
        body = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": "scripted",
            "choices": choices,
            "usage": usage,
        }
        return b"data: " + json.dumps(body).encode() + b"\n\n"

    parts = [chunk({"role": "assistant", "content": "" if not calls else None})]
    for index, call in enumerate(calls or []):
        arguments = call["function"]["arguments"]
        half = len(arguments) // 2
        head = {"index": index, "id": call["id"], "type": "function"}
        parts.append(chunk({"tool_calls": [head | {"function": {"name": call["function"]["name"], "arguments": ""}}]}))
        for piece in (arguments[:half], arguments[half:]):
            parts.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
    if text:
        words = text.split(" ")
        for position, word in enumerate(words):
            parts.append(chunk({"content": word if position == 0 else " " + word}))
    parts.append(chunk({}, finish="tool_calls" if calls else "stop"))
    if include_usage:
        parts.append(chunk({}, usage=USAGE))
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)


async def serve(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, script: str, delay: float, stats: Stats
) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stats.connections += 1
    stats.open_connections += 1
    stats.max_open_connections = max(stats.max_open_connections, stats.open_connections)
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length") or 0))
            keep_alive = headers.get("connection", "").lower() != "close"
            if method == "GET" and path == "/stats":
                payload = json.dumps(vars(stats)).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(payload), payload)
                )
            elif method == "POST" and path.rstrip("/").endswith("/chat/completions"):
                stats.requests += 1
                request = json.loads(body)
                text, calls = answer_for(script, request)
                if delay:
                    await asyncio.sleep(delay)
                if request.get("stream"):
                    stats.streamed += 1
                    include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
                    data = stream_events(text, calls, include_usage)
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n" + chunked(data)
                    )
                else:
                    data = completion_body(text, calls)
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                        % (len(data), data)
                    )
            else:
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            if not keep_alive:
                return
    except (ConnectionError, asyncio.CancelledError):
        return  # the client went away, or this server is stopping with the call under way
    finally:
        stats.open_connections -= 1
        writer.close()


async def main(port: int, delay: float, script: str) -> None:
    stats = Stats()
    server = await asyncio.start_server(
        lambda reader, writer: serve(reader, writer, script, delay, stats),
        "127.0.0.1",
        port,
        backlog=4096,
        limit=2**22,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()


def raise_open_files_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before every answer")
    parser.add_argument("--script", choices=sorted(REPLY_TEXT), default="tool")
    arguments = parser.parse_args()
    raise_open_files_limit()
    asyncio.run(main(arguments.port, arguments.delay, arguments.script))
