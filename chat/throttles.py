from rest_framework.request import Request
from rest_framework.views import APIView

from config.throttles import SettingsRateThrottle


class ChatRateThrottle(SettingsRateThrottle):
    """Per-user limit on the chat endpoint (`CHAT_THROTTLE_RATE`)."""

    scope = "chat"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
