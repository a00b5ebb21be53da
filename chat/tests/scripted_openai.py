"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for tests and benchmarks.

The real `openai` SDK talks to it over HTTP, so the wire format is exercised. Each request
to `POST /v1/chat/completions` is recorded and answered by the next scripted step; when
the script is empty, `fallback` answers (by default: a plain "OK" reply).
"""

import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any

_ids = count(1)


@dataclass
class Step:
    """How to answer one request."""

    status: int = 200
    body: Any = None  # a dict is sent as JSON; bytes/str as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "application/json"


def usage(prompt: int = 10, completion: int = 5) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion(message: dict[str, Any], *, tokens: tuple[int, int] = (10, 5)) -> dict[str, Any]:
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    return {
        "id": f"chatcmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "scripted",
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": usage(*tokens),
    }


def reply(content: str, *, tokens: tuple[int, int] = (10, 5), delay: float = 0.0) -> Step:
    return Step(body=completion({"role": "assistant", "content": content}, tokens=tokens), delay=delay)


def tool_calls(*calls: tuple[str, Any], tokens: tuple[int, int] = (10, 5), delay: float = 0.0) -> Step:
    """One assistant message calling each (name, arguments) in order; dict arguments are JSON-encoded."""
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_{next(_ids)}",
                "type": "function",
                "function": {
                    "name": name,
                    "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
                },
            }
            for name, arguments in calls
        ],
    }
    return Step(body=completion(message, tokens=tokens), delay=delay)


def error(status: int, message: str = "scripted error", *, headers: dict[str, str] | None = None) -> Step:
    body = {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
    return Step(status=status, body=body, headers=headers or {})


def rate_limited() -> Step:
    # Retry at once, so the SDK's retries do not slow the tests.
    return error(429, "Rate limit reached", headers={"retry-after-ms": "1"})


def streamed(completion: dict[str, Any]) -> str:
    """A scripted completion as the chunks `stream: true` answers (text in word pieces, each
    tool call in two pieces), ending with the usage chunk and `[DONE]`."""
    message = completion["choices"][0]["message"]
    base = {"id": completion["id"], "object": "chat.completion.chunk", "created": 0, "model": completion["model"]}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return f"data: {json.dumps({**base, 'choices': [choice]})}\n\n"

    parts = [chunk({"role": "assistant", "content": ""})]
    for piece in re.findall(r"\S+\s*|\s+", message.get("content") or ""):
        parts.append(chunk({"content": piece}))
    for index, call in enumerate(message.get("tool_calls") or []):
        arguments = call["function"]["arguments"]
        half = len(arguments) // 2
        head = {"index": index, "id": call["id"], "type": "function", "function": {"name": call["function"]["name"]}}
        head["function"]["arguments"] = arguments[:half]
        parts.append(chunk({"tool_calls": [head]}))
        parts.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[half:]}}]}))
    parts.append(chunk({}, "tool_calls" if message.get("tool_calls") else "stop"))
    parts.append(f"data: {json.dumps({**base, 'choices': [], 'usage': completion.get('usage')})}\n\n")
    parts.append("data: [DONE]\n\n")
    return "".join(parts)


def assert_valid_history(messages: Sequence[Mapping[str, Any]]) -> None:
    """Every assistant tool_calls message is followed by exactly its tool results, in order,
    and no tool result appears anywhere else."""
    index = 0
    while index < len(messages):
        message = messages[index]
        assert message["role"] != "tool", f"tool message outside a tool-call group at {index}"
        index += 1
        if message["role"] == "assistant" and message.get("tool_calls"):
            ids = [call["id"] for call in message["tool_calls"]]
            results = messages[index : index + len(ids)]
            assert [(m["role"], m.get("tool_call_id")) for m in results] == [("tool", i) for i in ids]
            index += len(ids)


class _Server(ThreadingHTTPServer):
    # Tests send dozens of requests at once; the default backlog of 5 refuses some.
    request_queue_size = 128


class ScriptedOpenAI:
    def __init__(self, fallback: Callable[[dict[str, Any]], Step] | None = None, port: int = 0) -> None:
        self.steps: deque[Step] = deque()
        self.requests: list[dict[str, Any]] = []
        # Time spent answering, delays included: "the model's time", for benchmarks.
        self.busy_seconds = 0.0
        # The client connections opened to it, (host, port) each.
        self.connections: set[tuple[str, int]] = set()
        self.fallback = fallback or (lambda request: reply("OK"))
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def start(self) -> "ScriptedOpenAI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, *steps: Step) -> None:
        with self._lock:
            self.steps.extend(steps)

    def _next(self, request: dict[str, Any]) -> Step:
        with self._lock:
            self.requests.append(request)
            if self.steps:
                return self.steps.popleft()
        return self.fallback(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out as separate writes; without this, Nagle's
                # algorithm and delayed ACKs add about 40 ms to every response.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with server._lock:
                    server.connections.add(self.client_address)

            def parse_request(self) -> bool:
                # The request line has arrived: the model's time starts (header parsing included).
                self._started = time.perf_counter()
                return super().parse_request()

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                try:
                    self._answer()
                finally:
                    with server._lock:
                        server.busy_seconds += time.perf_counter() - self._started

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    request = json.loads(raw)
                except json.JSONDecodeError:
                    request = {"raw": raw.decode(errors="replace")}
                step = server._next(request)
                if step.delay:
                    time.sleep(step.delay)
                payload = step.body
                content_type = step.content_type
                if request.get("stream") and step.status == 200 and isinstance(payload, dict):
                    payload, content_type = streamed(payload), "text/event-stream"
                if isinstance(payload, dict | list):
                    payload = json.dumps(payload)
                data = payload.encode() if isinstance(payload, str) else (payload or b"")
                try:
                    self.send_response(step.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in step.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler
