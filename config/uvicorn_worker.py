"""The uvicorn worker gunicorn runs (config/gunicorn.py): uvicorn-worker's, with

- a bound on how long a stopping worker waits for open requests (uvicorn waits for ever by
  default), so the turns their clients left get their share of the shutdown (config/lifespan.py);
- a bound on how long a connection may take to send a request's headers
  (`GUNICORN_HEADER_TIMEOUT`, 10 s): uvicorn has none (its keep-alive timeout runs only between two
  requests, and stops at the first byte of the next), so a client that opens connections and
  sends nothing, or headers it never finishes, held each one for ever.

The size of the headers is bounded by the parser (httptools: 80 KiB) and the body's size and
time by `config.body_limits`.
"""

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker as BaseUvicornWorker  # type: ignore[import-untyped]  # no type information

from config.lifespan import REQUESTS_GRACE_SECONDS

HEADER_TIMEOUT_SECONDS = float(os.environ.get("GUNICORN_HEADER_TIMEOUT", "10"))


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request headers are not complete
    `header_timeout` seconds after it opened, or after the first byte of a later request."""

    header_timeout = HEADER_TIMEOUT_SECONDS
    header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_timer()

    def data_received(self, data: bytes) -> None:
        if self.cycle is None or self.cycle.response_complete:  # between requests: a new one begins
            self._start_header_timer()
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _start_header_timer(self) -> None:
        if self.header_timer is None:
            self.header_timer = self.loop.call_later(self.header_timeout, self._headers_timed_out)

    def _stop_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _headers_timed_out(self) -> None:
        self.header_timer = None
        if not self.transport.is_closing():
            self.logger.info("Closed a connection that did not send its request headers in time.")
            self.transport.close()


class UvicornWorker(BaseUvicornWorker):
    CONFIG_KWARGS: dict[str, Any] = {
        **BaseUvicornWorker.CONFIG_KWARGS,
        "http": HeaderTimeoutProtocol,
        "timeout_graceful_shutdown": REQUESTS_GRACE_SECONDS,
    }
