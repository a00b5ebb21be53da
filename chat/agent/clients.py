from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from chat.agent.model import ModelClient

BACKENDS = ("openai", "offline")


def backend_name() -> str:
    """`AGENT_BACKEND`, or openai when a key is set and the offline agent otherwise."""
    backend = settings.AGENT_BACKEND or ("openai" if settings.OPENAI_API_KEY else "offline")
    if backend not in BACKENDS:
        raise ImproperlyConfigured(f"AGENT_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}.")
    return backend


def build_model() -> ModelClient:
    if backend_name() == "openai":
        from chat.agent.openai_model import OpenAIModel

        return OpenAIModel.from_settings()
    from chat.agent.offline import OfflineModel

    return OfflineModel()
