from typing import cast

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView


class SettingsRateThrottle(SimpleRateThrottle):
    """A rate throttle whose rate is read from settings per request, not once at import.

    An empty rate in `DEFAULT_THROTTLE_RATES` disables it.
    """

    def get_rate(self) -> str | None:
        # The stubs type the rates as numbers; DRF's settings hold "30/min" strings (or None).
        return cast("str | None", api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or ""))


class AuthRateThrottle(SettingsRateThrottle):
    """Per-IP limit on the register and token endpoints (`AUTH_THROTTLE_RATE`)."""

    scope = "auth"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
