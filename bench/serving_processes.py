"""The processes the serving benchmarks start: the service under gunicorn, served the old way
(gthread WSGI) or the new one (config/gunicorn.py's own), and the scripted model server."""

import asyncio
import json
import os
import random
import resource
import runpy
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from http1 import Connection, Response, build_request  # bench/ is on the path: scripts run from it
from serving_databases import PROJECT, SECRET_KEY
from serving_load import one_request
from serving_measures import children

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PORTS = range(18000, 19000)
WORKERS = 2

# The old serving: the threaded WSGI workers of before the ASGI change (the command line
# overrides config/gunicorn.py). The one place this command is written.
OLD_SERVING = ("--worker-class", "gthread", "--threads", "16", "config.wsgi:application")
NEW_APP = "config.asgi:application"


def gunicorn_settings() -> dict[str, Any]:
    return runpy.run_path(str(PROJECT / "config" / "gunicorn.py"))


def new_serving_ready() -> bool:
    """config/gunicorn.py names the ASGI application and its uvicorn workers."""
    settings = gunicorn_settings()
    return "uvicorn" in str(settings.get("worker_class", "")).lower()


def gunicorn_command(serving: str) -> list[str]:
    command = [GUNICORN, "-c", "config/gunicorn.py"]
    if serving == "old":
        return command + list(OLD_SERVING)
    return command + ([] if gunicorn_settings().get("wsgi_app") else [NEW_APP])


def current_serving_command() -> list[str]:
    """What config/gunicorn.py serves today: the new serving once it names uvicorn workers."""
    return gunicorn_command("new" if new_serving_ready() else "old")


def free_port() -> int:
    """A free port in 18000-18999 (this benchmark's range)."""
    start = random.randrange(len(PORTS))  # noqa: S311 - not security
    for offset in range(len(PORTS)):
        port = PORTS[(start + offset) % len(PORTS)]
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18000-18999")


def raise_open_files_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < 4096:
        raise SystemExit("`ulimit -n` is below 4096 and cannot be raised: the benchmark needs 1,400+ sockets")


class ModelServer:
    """bench/model_server.py in a process of its own."""

    def __init__(self, *, delay: float, script: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter and script
            [sys.executable, "bench/model_server.py", "--port", str(self.port), "--delay", str(delay)]
            + ["--script", script],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None  # noqa: S101 - piped above
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the scripted model server did not start")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stats(self) -> dict[str, int]:
        async def get() -> Response:
            connection = Connection("127.0.0.1", self.port)
            try:
                return await connection.request(build_request("GET", "/stats", "model"))
            finally:
                connection.close()

        stats: dict[str, int] = json.loads(asyncio.run(get()).body)
        return stats

    def stop(self) -> None:
        terminate(self.process, grace=10)


class Gunicorn:
    """One serving of the service on a free port, its log in a temporary file."""

    def __init__(self, serving: str, database_url: str, *, backend: str, model: ModelServer | None) -> None:
        self.serving = serving
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-serving-{serving}-", suffix=".log")  # noqa: SIM115
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "AGENT_BACKEND": backend,
            "OPENAI_API_KEY": "x",
            "OPENAI_BASE_URL": model.base_url if model else "http://127.0.0.1:9/v1",
            "OPENAI_MAX_RETRIES": "0",
            "CHAT_THROTTLE_RATE": "",
            "AUTH_THROTTLE_RATE": "",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(WORKERS),
            "GUNICORN_ACCESS_LOG": "",
            "LOG_LEVEL": "WARNING",
        }
        self.process = subprocess.Popen(  # noqa: S603 - our gunicorn
            gunicorn_command(serving),
            cwd=PROJECT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=raise_open_files_limit,  # noqa: PLW1509 - before exec, no threads yet
        )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.serving} serving exited:\n{self.log_tail()}")
            if len(children(self.process.pid)) == WORKERS:
                try:
                    status = asyncio.run(one_request(self.port, build_request("GET", "/api/", "127.0.0.1"))).status
                except OSError:
                    status = 0
                if status == 200:
                    time.sleep(2)  # the other worker finishes importing
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.serving} serving did not start:\n{self.log_tail()}")

    @property
    def workers(self) -> list[int]:
        return children(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def log_problems(self) -> Counter:
        """Lines of the error log worth reporting, counted by kind."""
        kinds: Counter = Counter()
        for line in Path(self.log.name).read_text(errors="replace").splitlines():
            for kind in ("WORKER TIMEOUT", "CRITICAL", "ERROR", "Traceback", "Too many open files"):
                if kind in line:
                    kinds[kind] += 1
        return kinds

    def stop(self) -> None:
        terminate(self.process, grace=35)
        self.log.close()


def terminate(process: subprocess.Popen, *, grace: float) -> None:
    """SIGTERM, then SIGKILL if `process` has not exited `grace` seconds later."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
