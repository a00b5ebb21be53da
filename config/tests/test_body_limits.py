"""`config.body_limits`: a request body is bounded in size and time before Django reads it
(Django's handler reads a whole body to a temporary file, then checks its size)."""

import asyncio
import json
from typing import Any

import pytest
from django.conf import settings
from django.core.asgi import get_asgi_application
from pytest_django import Settings

from config.body_limits import BodyLimits

LIMIT = 2_621_440
TOO_LARGE = {"detail": f"The request body is larger than the limit of {LIMIT} bytes.", "code": "request_too_large"}


def scope(*headers: tuple[bytes, bytes], method: str = "POST", path: str = "/api/auth/token") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


class Client:
    """The server's side of one request: `messages` the body comes in, what the app sent back."""

    def __init__(self, messages: list[dict[str, Any]], *, then_wait: bool = False) -> None:
        self.messages = messages
        self.then_wait = then_wait
        self.received_bytes = 0
        self.receive_calls = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        self.receive_calls += 1
        if self.messages:
            message = self.messages.pop(0)
            self.received_bytes += len(message.get("body", b""))
            return message
        if self.then_wait:
            await asyncio.Event().wait()  # a body that never comes
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def json(self) -> Any:
        return json.loads(b"".join(message.get("body", b"") for message in self.sent[1:]))

    @property
    def headers(self) -> dict[bytes, bytes]:
        return dict(self.sent[0]["headers"])


def serve(application: Any, request_scope: dict[str, Any], client: Client) -> None:
    asyncio.run(asyncio.wait_for(application(request_scope, client.receive, client.send), timeout=30))


@pytest.fixture(scope="module")
def django_application() -> BodyLimits:
    return BodyLimits(get_asgi_application())


async def echo_length(request_scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An application that reads the whole body and answers its length."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


def test_a_content_length_over_the_limit_is_413_before_any_of_the_body_is_read(django_application: BodyLimits) -> None:
    client = Client([{"type": "http.request", "body": b"x" * 65536, "more_body": True}], then_wait=True)
    serve(django_application, scope((b"content-length", b"314572800")), client)
    assert (client.status, client.json) == (413, TOO_LARGE)
    assert client.headers[b"connection"] == b"close"
    assert client.receive_calls == 0


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(django_application: BodyLimits) -> None:
    """No Content-Length (chunked), 1 MiB at a time, without end: 413 after the third MiB."""
    chunk = {"type": "http.request", "body": b"x" * 1_048_576, "more_body": True}
    client = Client([dict(chunk) for _ in range(300)])
    serve(django_application, scope(), client)
    assert (client.status, client.json) == (413, TOO_LARGE)
    assert client.received_bytes == 3 * 1_048_576


def test_a_body_longer_than_its_content_length_is_refused_too(django_application: BodyLimits) -> None:
    chunk = {"type": "http.request", "body": b"x" * 1_048_576, "more_body": True}
    client = Client([dict(chunk) for _ in range(300)])
    serve(django_application, scope((b"content-length", b"10")), client)
    assert (client.status, client.json) == (413, TOO_LARGE)


def test_a_body_that_does_not_arrive_in_time_is_408(django_application: BodyLimits, settings: Settings) -> None:
    settings.REQUEST_BODY_TIMEOUT = 0.2
    client = Client([{"type": "http.request", "body": b'{"user', "more_body": True}], then_wait=True)
    serve(django_application, scope((b"content-length", b"100")), client)
    assert (client.status, client.json) == (
        408,
        {"detail": "The request body did not arrive in time.", "code": "request_timeout"},
    )


def test_a_body_within_the_limits_reaches_the_application_whole() -> None:
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    chunks = [{"type": "http.request", "body": b"x" * (size // 4), "more_body": True} for _ in range(4)]
    client = Client([*chunks, {"type": "http.request", "body": b"", "more_body": False}])
    serve(BodyLimits(echo_length), scope((b"content-length", str(size).encode())), client)
    assert client.status == 200
    assert b"".join(message.get("body", b"") for message in client.sent[1:]) == str(size).encode()


def test_after_the_body_the_application_still_hears_the_client_leave() -> None:
    """Django listens for a disconnect while a view runs (a chat turn's client leaving)."""
    heard: list[str] = []

    async def listening(request_scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        heard.append((await receive())["type"])

    client = Client([{"type": "http.request", "body": b"{}", "more_body": False}])
    serve(BodyLimits(listening), scope(), client)
    assert heard == ["http.disconnect"] and client.sent == []


def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def application(request_scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(request_scope["type"])

    asyncio.run(BodyLimits(application)({"type": "lifespan"}, None, None))  # type: ignore[arg-type]  # never called here
    assert seen == ["lifespan"]
