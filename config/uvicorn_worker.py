"""The uvicorn worker gunicorn runs (config/gunicorn.py): uvicorn-worker's, with a bound on how
long a stopping worker waits for open requests (uvicorn waits for ever by default), so the
turns their clients left get their share of the shutdown (config/lifespan.py)."""

from typing import Any

from uvicorn_worker import UvicornWorker as BaseUvicornWorker  # type: ignore[import-untyped]  # no type information

from config.lifespan import REQUESTS_GRACE_SECONDS


class UvicornWorker(BaseUvicornWorker):
    CONFIG_KWARGS: dict[str, Any] = {
        **BaseUvicornWorker.CONFIG_KWARGS,
        "timeout_graceful_shutdown": REQUESTS_GRACE_SECONDS,
    }
