from typing import cast

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class SettingsRateThrottle(SimpleRateThrottle):
    """A rate throttle whose rate is read from settings per request, not once at import.

    An empty rate in `DEFAULT_THROTTLE_RATES` disables it. The counters live in the default
    cache, which is shared by every worker and instance (Redis or the database; see
    `CACHES` in config/settings.py), so a limit holds per client, not per process.
    """

    def get_rate(self) -> str | None:
        # The stubs type the rates as numbers; DRF's settings hold "30/min" strings (or None).
        return cast("str | None", api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or ""))
