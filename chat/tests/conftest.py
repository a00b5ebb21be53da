import pytest

from chat.tests.scripted_openai import ScriptedOpenAI


@pytest.fixture
def scripted_openai(settings):
    """A scripted OpenAI-compatible server, with the agent configured to use it via the real SDK."""
    server = ScriptedOpenAI().start()
    settings.AGENT_BACKEND = "openai"
    settings.OPENAI_API_KEY = "sk-test-key"
    settings.OPENAI_BASE_URL = server.base_url
    settings.OPENAI_MODEL = "scripted-model"
    settings.OPENAI_TIMEOUT = 2.0
    settings.OPENAI_MAX_RETRIES = 2
    yield server
    server.stop()
