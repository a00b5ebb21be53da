from django.conf import settings

from chat.agent.model import ModelClient


def backend_name() -> str:
    """`AGENT_BACKEND` (validated at startup), or openai when a key is set and offline otherwise."""
    return settings.AGENT_BACKEND or ("openai" if settings.OPENAI_API_KEY else "offline")


def build_model() -> ModelClient:
    if backend_name() == "openai":
        from chat.agent.openai_model import OpenAIModel

        return OpenAIModel.from_settings()
    from chat.agent.offline import OfflineModel

    return OfflineModel()
