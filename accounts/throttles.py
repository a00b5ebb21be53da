import math
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from rest_framework.request import Request
from rest_framework.views import APIView

from config.throttles import SettingsRateThrottle


class AuthRateThrottle(SettingsRateThrottle):
    """Per-IP limit on every endpoint that takes a password (`AUTH_THROTTLE_RATE`): register,
    token, token refresh and the session log-in forms, all counted together."""

    scope = "auth"

    def get_cache_key(self, request: Request, view: APIView | None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def login_retry_after(request: HttpRequest) -> int | None:
    """None when this log-in attempt may go ahead (and counts it), else the seconds to wait.

    DRF's throttle reads only the client's address from the request (`META`), so a plain
    Django request serves as well as DRF's.
    """
    throttle = AuthRateThrottle()
    if throttle.allow_request(cast("Request", request), None):  # type: ignore[arg-type]  # no view needed
        return None
    return max(1, math.ceil(throttle.wait() or 1))


ViewFunction = Callable[..., HttpResponseBase]


def throttled_login(view: ViewFunction) -> ViewFunction:
    """The log-in form `view`, its submissions counted by `AuthRateThrottle` as the token
    endpoint's are: over the rate a 429 page with `Retry-After`, the password not checked."""

    @wraps(view)
    def login_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            retry_after = login_retry_after(request)
            if retry_after is not None:
                response = render(request, "accounts/too_many_attempts.html", {"retry_after": retry_after}, status=429)
                response["Retry-After"] = str(retry_after)
                return response
        return view(request, *args, **kwargs)

    return login_view
