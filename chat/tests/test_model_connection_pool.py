"""The model client of a serving process: one per provider, shared by every turn, its
connection pool sized by `OPENAI_MAX_CONNECTIONS` (a call over it waits for a connection)."""

import asyncio

import pytest
from pytest_django import Settings

from chat.agent import openai_model
from chat.agent.messages import AssistantMessage, UserMessage
from chat.agent.openai_model import OpenAIModel
from chat.tests.scripted_openai import ScriptedOpenAI, reply


async def _reply(model: OpenAIModel) -> AssistantMessage:
    pieces = [piece async for piece in model.stream([UserMessage("hello")], [])]
    whole = pieces[-1]
    assert isinstance(whole, AssistantMessage)
    return whole


def test_many_concurrent_calls_open_at_most_the_configured_connections(
    scripted_openai: ScriptedOpenAI, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.OPENAI_MAX_CONNECTIONS, settings.OPENAI_MAX_KEEPALIVE_CONNECTIONS = 4, 4
    monkeypatch.setattr(openai_model, "serving_async", lambda: True)
    monkeypatch.setattr(openai_model, "_shared", {})
    scripted_openai.fallback = lambda request: reply("OK", delay=0.1)

    async def many_turns() -> list[AssistantMessage]:
        try:
            # A new model per turn, as each request builds one: the client is the process's.
            return await asyncio.gather(*(_reply(OpenAIModel.from_settings()) for _ in range(24)))
        finally:
            for client in openai_model._shared.values():
                await client.close()

    replies = asyncio.run(many_turns())

    assert [message.content for message in replies] == ["OK"] * 24
    assert len(openai_model._shared) == 1
    assert 1 <= len(scripted_openai.connections) <= 4


def test_the_pool_limits_come_from_the_settings(settings: Settings) -> None:
    settings.OPENAI_MAX_CONNECTIONS, settings.OPENAI_MAX_KEEPALIVE_CONNECTIONS = 3000, 600

    provider = OpenAIModel.from_settings().provider

    assert (provider.max_connections, provider.max_keepalive_connections) == (3000, 600)
