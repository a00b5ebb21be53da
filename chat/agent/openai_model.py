"""`OpenAIModel`: chat completions through the `openai` SDK's async client, against OpenAI or
any OpenAI-compatible server (Azure, Ollama, vLLM ...) at `OPENAI_BASE_URL`, always streamed
(`stream=True`): the reply's text is yielded in pieces as it comes. The OpenAI wire format
lives here: typed messages go out as it (`wire_message`), the reply comes back typed."""

import asyncio
import json
import ssl
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

import httpx2
import openai
from django.conf import settings
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from chat.agent.messages import (
    AssistantMessage,
    ChatMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
    ToolSchema,
    Usage,
    result_json,
)
from chat.errors import ModelProviderError, ModelRateLimited, ModelTimeout, ModelUnavailable
from config.database import serving_async

# The longest wait the openai SDK accepts from a Retry-After header before a retry.
MAX_RETRY_AFTER_SECONDS = 120
# Added to a step's bound for the tools it runs and for clock skew between instances.
STEP_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class Provider:
    """Where and how to reach the model: an OpenAI-compatible API."""

    api_key: str
    base_url: str | None
    timeout: float
    max_retries: int
    # The connection pool of the process's client: one connection per model call in flight
    # (a streamed reply holds it to its end), so this bounds a process's concurrent calls; over
    # it a call waits for a connection, within `timeout`. The SDK's default is 1,000 / 100.
    max_connections: int = 2000
    max_keepalive_connections: int = 500

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[openai.AsyncOpenAI]:
        """A client for the provider. Serving ASGI, the process's one (its connection pool
        shared by every turn; it holds no conversation state); elsewhere each event loop is
        short-lived (`async_to_sync`), and so is the client, closed before its loop is. The
        SDK retries connection errors, 408, 409, 429 and 5xx itself (its `http_client` is its
        own default client, with this pool's limits: the SDK's timeouts, retries and errors are
        unchanged)."""
        if serving_async():
            if self not in _shared:
                _shared[self] = self._new_client()
            yield _shared[self]
            return
        async with self._new_client() as client:
            yield client

    def _new_client(self) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            api_key=self.api_key,
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
            http_client=openai.DefaultAsyncHttpxClient(
                verify=_tls_context(),
                limits=httpx2.Limits(
                    max_connections=self.max_connections, max_keepalive_connections=self.max_keepalive_connections
                ),
            ),
        )


@cache
def _tls_context() -> ssl.SSLContext:
    """The SDK's default TLS settings (its HTTP library's), built once and shared by every
    client of the process: building them (loading the CA bundle) takes ~30 ms of CPU, the
    rest of a client well under one."""
    return httpx2.create_ssl_context()


# The clients of a process that serves ASGI: one event loop, one client per provider.
_shared: dict[Provider, openai.AsyncOpenAI] = {}


# One message of a chat-completions request body.
WireMessage = dict[str, object]


def wire_tool_call(call: ToolCall) -> dict[str, object]:
    """A tool call in OpenAI's format (as the provider sent it, and as it is stored)."""
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments_json}}


def wire_tool(schema: ToolSchema) -> dict[str, object]:
    """A tool schema in OpenAI's function-tool format, strict: the arguments must match it."""
    function = {"name": schema.name, "description": schema.description, "strict": True, "parameters": schema.parameters}
    return {"type": "function", "function": function}


def wire_message(message: ChatMessage) -> WireMessage:
    """A typed message as the chat-completions API takes it (`state` is never sent)."""
    if isinstance(message, ToolMessage):
        return {"role": "tool", "tool_call_id": message.call_id, "content": json.dumps(result_json(message.result))}
    if isinstance(message, AssistantMessage):
        if message.tool_calls:
            calls = [wire_tool_call(call) for call in message.tool_calls]
            return {"role": "assistant", "content": message.content or None, "tool_calls": calls}
        return {"role": "assistant", "content": message.content}
    return {"role": "system" if isinstance(message, SystemMessage) else "user", "content": message.content}


class OpenAIModel:
    backend = "openai"

    def __init__(self, *, provider: Provider, model: str) -> None:
        self.provider = provider
        self.model = model

    @classmethod
    def from_settings(cls) -> "OpenAIModel":
        # Servers such as Ollama or vLLM take any key; the SDK insists on one.
        provider = Provider(
            api_key=settings.OPENAI_API_KEY or "not-needed",
            base_url=settings.OPENAI_BASE_URL,
            timeout=settings.OPENAI_TIMEOUT,
            max_retries=settings.OPENAI_MAX_RETRIES,
            max_connections=settings.OPENAI_MAX_CONNECTIONS,
            max_keepalive_connections=settings.OPENAI_MAX_KEEPALIVE_CONNECTIONS,
        )
        return cls(provider=provider, model=settings.OPENAI_MODEL)

    @property
    def longest_step(self) -> timedelta:
        """Every try of the call timing out, after the longest Retry-After wait before each
        retry, plus a margin for the step's tools."""
        retries, timeout = self.provider.max_retries, self.provider.timeout
        return timedelta(seconds=(retries + 1) * timeout + retries * MAX_RETRY_AFTER_SECONDS + STEP_MARGIN_SECONDS)

    async def stream(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSchema]
    ) -> AsyncIterator[str | AssistantMessage]:
        body = {
            "model": self.model,
            "messages": [wire_message(message) for message in messages],
            "tools": [wire_tool(tool) for tool in tools],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        # The SDK's low-level `post` (its documented way to make custom requests) with the
        # same path, retries, timeouts and errors as `chat.completions.create`, minus the
        # client-side walk of the whole body against the typed parameter graph: measured
        # here at ~34 ms of CPU per call for a 40-message history, with the GIL held, for
        # a byte-identical body (these messages are already plain wire-format dicts).
        async with self.provider.connected() as client:
            with _provider_errors():
                chunks = await client.post(
                    "/chat/completions",
                    body=body,
                    cast_to=ChatCompletion,
                    stream=True,
                    stream_cls=openai.AsyncStream[ChatCompletionChunk],
                )
                message = _StreamedMessage()
                # The SDK's timeout is per read: a stream that trickles is bounded here, as a
                # whole, by the same number of seconds.
                loop = asyncio.get_running_loop()
                deadline, pieces = loop.time() + self.provider.timeout, aiter(chunks)
                while True:
                    try:
                        chunk = await asyncio.wait_for(anext(pieces), deadline - loop.time())
                    except StopAsyncIteration:
                        break
                    except TimeoutError as error:
                        raise ModelTimeout() from error
                    text = message.add(chunk)
                    if text:
                        yield text
        yield message.whole()


@contextmanager
def _provider_errors() -> Iterator[None]:
    """The SDK's errors as the model errors they are."""
    try:
        yield
    except openai.APITimeoutError as error:
        raise ModelTimeout() from error
    except openai.RateLimitError as error:
        raise ModelRateLimited() from error
    except openai.APIConnectionError as error:
        raise ModelUnavailable() from error
    except openai.APIStatusError as error:
        raise ModelProviderError(
            f"The language model provider returned an error (HTTP {error.status_code})."
        ) from error
    except openai.OpenAIError as error:
        raise ModelProviderError() from error
    except (ValueError, RecursionError, AttributeError, TypeError) as error:
        # The SDK lets these escape when a 200 response says it is JSON but is not (a
        # proxy's HTML error page), is not UTF-8, or nests beyond the parser's limit; a
        # streamed chunk of the wrong shape fails reading it.
        raise ModelProviderError("The language model provider sent a response that could not be read.") from error


class _StreamedMessage:
    """An assistant message put together from its streamed chunks (text, tool calls by index, usage)."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.calls: list[dict[str, str]] = []
        self.slots: dict[int, dict[str, str]] = {}  # the call each index is filling now
        self.usage = Usage()
        self.finished = False

    def add(self, chunk: ChatCompletionChunk) -> str:
        """Take one chunk in; returns its new text."""
        if chunk.usage is not None:
            self.usage = _usage(chunk.usage)
        if not chunk.choices:
            return ""
        choice = chunk.choices[0]
        self.finished = self.finished or choice.finish_reason is not None
        delta = choice.delta
        for call in delta.tool_calls or ():
            part = self.slots.get(call.index)
            if part is None or (call.id and part["id"] and call.id != part["id"]):
                # A new call (some servers, Ollama among them, give every call index 0).
                part = {"id": "", "name": "", "arguments": ""}
                self.slots[call.index] = part
                self.calls.append(part)
            if call.id:
                part["id"] = call.id
            if call.function is not None:
                part["name"] += call.function.name or ""
                part["arguments"] += call.function.arguments or ""
        if delta.content:
            self.text.append(delta.content)
            return delta.content
        return ""

    def whole(self) -> AssistantMessage:
        if not self.finished:
            raise ModelProviderError("The language model provider's stream ended before its message did.")
        calls = tuple(
            ToolCall.parse(id=part["id"], name=part["name"], arguments_json=part["arguments"]) for part in self.calls
        )
        return AssistantMessage(content="".join(self.text), tool_calls=calls, usage=self.usage)


def _usage(usage: Any) -> Usage:
    # Some OpenAI-compatible servers omit usage or send nulls.
    if usage is None:
        return Usage()
    return Usage(usage.prompt_tokens or 0, usage.completion_tokens or 0, usage.total_tokens or 0)
