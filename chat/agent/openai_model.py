"""`OpenAIModel`: chat completions through the `openai` SDK, against OpenAI or any
OpenAI-compatible server (Azure, Ollama, vLLM ...) at `OPENAI_BASE_URL`."""

from datetime import timedelta
from functools import cache
from typing import Any

import openai
from django.conf import settings
from openai.types.chat import ChatCompletion

from chat.agent.model import (
    AssistantMessage,
    ChatMessage,
    ModelProviderError,
    ModelRateLimited,
    ModelTimeout,
    ModelUnavailable,
    ToolCall,
    Usage,
)

# The longest wait the openai SDK accepts from a Retry-After header before a retry.
MAX_RETRY_AFTER_SECONDS = 120
# Added to a step's bound for the tools it runs and for clock skew between instances.
STEP_MARGIN_SECONDS = 60


@cache
def _client(api_key: str, base_url: str | None, timeout: float, max_retries: int) -> openai.OpenAI:
    # One client (and its connection pool) per process and configuration; it holds no
    # conversation state. The SDK retries connection errors, 408, 409, 429 and 5xx itself.
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)


def _wire_message(message: ChatMessage) -> ChatMessage:
    """A stored message as the chat-completions API takes it."""
    if message["role"] == "tool":
        return {"role": "tool", "tool_call_id": message["tool_call_id"], "content": message["content"]}
    if message["role"] == "assistant" and message.get("tool_calls"):
        return {"role": "assistant", "content": message.get("content") or None, "tool_calls": message["tool_calls"]}
    return {"role": message["role"], "content": message.get("content") or ""}


class OpenAIModel:
    backend = "openai"

    def __init__(self, *, client: openai.OpenAI, model: str) -> None:
        self.client = client
        self.model = model

    @classmethod
    def from_settings(cls) -> "OpenAIModel":
        # Servers such as Ollama or vLLM take any key; the SDK insists on one.
        api_key = settings.OPENAI_API_KEY or "not-needed"
        client = _client(api_key, settings.OPENAI_BASE_URL, settings.OPENAI_TIMEOUT, settings.OPENAI_MAX_RETRIES)
        return cls(client=client, model=settings.OPENAI_MODEL)

    @property
    def longest_step(self) -> timedelta:
        """Every try of the call timing out, after the longest Retry-After wait before each
        retry, plus a margin for the step's tools."""
        retries = self.client.max_retries
        timeout = _seconds(self.client.timeout)
        return timedelta(seconds=(retries + 1) * timeout + retries * MAX_RETRY_AFTER_SECONDS + STEP_MARGIN_SECONDS)

    def complete(self, messages: list[ChatMessage], tools: list[dict[str, Any]]) -> AssistantMessage:
        body = {"model": self.model, "messages": [_wire_message(message) for message in messages], "tools": tools}
        try:
            # The SDK's low-level `post` (its documented way to make custom requests) with the
            # same path, retries, timeouts and errors as `chat.completions.create`, minus the
            # client-side walk of the whole body against the typed parameter graph: measured
            # here at ~34 ms of CPU per call for a 40-message history, with the GIL held, for
            # a byte-identical body (these messages are already plain wire-format dicts).
            completion = self.client.post("/chat/completions", body=body, cast_to=ChatCompletion)
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
        except (ValueError, RecursionError) as error:
            # The SDK lets these escape when a 200 response says it is JSON but is not (a
            # proxy's HTML error page), is not UTF-8, or nests beyond the parser's limit.
            raise ModelProviderError("The language model provider sent a response that could not be read.") from error
        return _assistant_message(completion)


def _seconds(timeout: float | openai.Timeout | None) -> float:
    """The longest one request may take under the client's timeout setting."""
    if isinstance(timeout, openai.Timeout):
        parts = [part for part in (timeout.connect, timeout.read, timeout.write, timeout.pool) if part is not None]
        return sum(parts) if parts else _seconds(None)
    if timeout is None:
        return _seconds(openai.DEFAULT_TIMEOUT)
    return float(timeout)


def _assistant_message(completion: Any) -> AssistantMessage:
    """Read the first choice; anything malformed is a provider error, not a crash."""
    try:
        message = completion.choices[0].message
        tool_calls = tuple(
            ToolCall(id=str(call.id), name=str(call.function.name), arguments=call.function.arguments or "")
            for call in message.tool_calls or ()
            if getattr(call, "function", None) is not None
        )
        usage = completion.usage
        return AssistantMessage(
            content=message.content or "",
            tool_calls=tool_calls,
            usage=_usage(usage),
        )
    except (AttributeError, IndexError, TypeError) as error:
        raise ModelProviderError("The language model provider sent a response that could not be read.") from error


def _usage(usage: Any) -> Usage:
    # Some OpenAI-compatible servers omit usage or send nulls.
    if usage is None:
        return Usage()
    return Usage(usage.prompt_tokens or 0, usage.completion_tokens or 0, usage.total_tokens or 0)
