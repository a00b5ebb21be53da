"""`AsyncApiView`: a DRF view whose handlers are coroutines.

DRF's views are sync; a chat turn waits seconds on the model, and under ASGI it must not hold
a thread or a database connection meanwhile. This view runs DRF's own steps around an async
handler: `initial` (authentication, permissions, throttles, content negotiation: they read the
database, so they run through `in_database`), the handler awaited on the event loop, errors
through the one exception handler, and the response finalized by DRF as any other. Under WSGI
(runserver, the test client) Django runs the coroutine through `async_to_sync`.
"""

import inspect
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from rest_framework.generics import GenericAPIView

from config.database import in_database
from config.outages import close_broken_connections, is_database_outage


class AsyncApiView(GenericAPIView):
    async def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        self.args = args
        self.kwargs = kwargs
        drf_request = self.initialize_request(request, *args, **kwargs)
        self.request = drf_request
        self.headers = self.default_response_headers
        try:
            await in_database(self.initial, drf_request, *args, **kwargs)
            method = (drf_request.method or "").lower()
            handler = self.http_method_not_allowed
            if method in self.http_method_names:
                handler = getattr(self, method, self.http_method_not_allowed)
            response = handler(drf_request, *args, **kwargs)
            if inspect.isawaitable(response):
                response = await response
        except Exception as exc:
            if is_database_outage(exc):
                await in_database(close_broken_connections)
            response = self.handle_exception(exc)
        self.response = self.finalize_response(drf_request, response, *args, **kwargs)
        return self.response
